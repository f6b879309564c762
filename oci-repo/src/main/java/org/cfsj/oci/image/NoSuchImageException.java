package org.cfsj.oci.image;

import org.cfsj.repo.RepositoryException;

/**
 * No stored OCI image has the name or manifest digest asked for: the one failure of a lookup
 * that is the caller's to fix by naming another image (the varlink service answers it with
 * {@code NoSuchImage}, not with an internal error).
 */
public final class NoSuchImageException extends RepositoryException {
    private final String image;

    public NoSuchImageException(String image, String message) {
        super(message);
        this.image = image;
    }

    /** The name or digest that named nothing, as the caller gave it. */
    public String image() {
        return image;
    }
}
