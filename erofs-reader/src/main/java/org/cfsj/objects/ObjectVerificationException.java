package org.cfsj.objects;

import java.io.IOException;
import org.cfsj.verity.FsVerity;

/**
 * A backing object whose content does not match the fs-verity digest the image records for it.
 * Serving it would hand out data nobody vouched for, so the open is refused (a FUSE server
 * answers EIO).
 */
public final class ObjectVerificationException extends IOException {
    private final String payload;
    private final byte[] expected;
    private final byte[] actual;

    /**
     * @param payload the object's path relative to the object store
     * @param expected the digest the image records
     * @param actual what the file has, as reported by {@code how}
     * @param how where {@code actual} came from, e.g. "computed in user space"
     */
    ObjectVerificationException(String payload, byte[] expected, byte[] actual, String how) {
        super("object " + payload + " failed fs-verity check: expected digest " + FsVerity.toHex(expected)
                + ", file has " + FsVerity.toHex(actual) + " (" + how + ")");
        this.payload = payload;
        this.expected = expected.clone();
        this.actual = actual.clone();
    }

    /** The object's path relative to the object store, as passed to {@link VerifiedObjects#open}. */
    public String payload() {
        return payload;
    }

    public byte[] expectedDigest() {
        return expected.clone();
    }

    public byte[] actualDigest() {
        return actual.clone();
    }
}
