package org.cfsj.erofs.write;

import java.io.IOException;

/** A tree that cannot be written as a composefs image (too large, inconsistent); says why. */
public final class ImageWriteException extends IOException {
    public ImageWriteException(String message) {
        super(message);
    }
}
