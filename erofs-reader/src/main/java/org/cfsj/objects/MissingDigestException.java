package org.cfsj.objects;

import java.io.IOException;

/**
 * An object asked for without the fs-verity digest that should vouch for it (the image's
 * {@code trusted.overlay.metacopy} of the file carries none), from a store that checks objects.
 * Serving it would hand out data nobody vouched for, so the open is refused, as the kernel's
 * composefs mount with {@code verity=require} refuses such a file; an insecure store serves it.
 */
public final class MissingDigestException extends IOException {
    private final String payload;

    MissingDigestException(String payload) {
        super("object " + payload + ": the image records no fs-verity digest for this file, so its content cannot be"
                + " checked (refused; --insecure serves such files unchecked)");
        this.payload = payload;
    }

    /** The object's path relative to the object store, as passed to {@link VerifiedObjects#open}. */
    public String payload() {
        return payload;
    }
}
