package org.cfsj.erofs;

import java.io.IOException;

/**
 * The image is not a well-formed EROFS image cfsj can read: bad magic, a field pointing outside
 * the image, an unsupported feature (compression), a directory cycle... The message says what is
 * wrong and where (nid, offset).
 */
public final class ErofsFormatException extends IOException {
    public ErofsFormatException(String message) {
        super(message);
    }
}
