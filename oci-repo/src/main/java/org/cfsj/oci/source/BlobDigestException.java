package org.cfsj.oci.source;

import java.io.IOException;

/** A blob's bytes do not match the digest (or size) its descriptor promised: it must not be used. */
public final class BlobDigestException extends IOException {
    public BlobDigestException(String message) {
        super(message);
    }
}
