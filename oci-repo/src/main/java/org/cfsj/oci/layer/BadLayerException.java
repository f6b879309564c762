package org.cfsj.oci.layer;

import org.cfsj.repo.RepositoryException;

/** A layer tar that cannot be imported: truncated, malformed, unsafe, or not the expected digest. */
public class BadLayerException extends RepositoryException {
    public BadLayerException(String message) {
        super(message);
    }
}
