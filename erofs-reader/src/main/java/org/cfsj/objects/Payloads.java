package org.cfsj.objects;

import java.io.IOException;
import org.cfsj.tree.Bytes;

/**
 * Checks object names taken from an image (its {@code trusted.overlay.redirect} payloads) before
 * they are opened: an image is untrusted input and must not reach files outside the object store.
 */
final class Payloads {
    private Payloads() {}

    /**
     * The payload's raw bytes (cfsj Strings hold names as ISO-8859-1, see {@link Bytes}), or an
     * exception if it is empty, absolute, contains a ".." component or a NUL byte, or has a char
     * that is not a byte.
     */
    static byte[] toRelativeName(String payload) throws IOException {
        if (payload == null || payload.isEmpty()) {
            throw new IOException("empty object path");
        }
        if (payload.charAt(0) == '/') {
            throw new IOException("object path " + payload + " is absolute; it must be relative to the object store");
        }
        for (int i = 0; i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (c == 0 || c > 0xff) {
                throw new IOException("object path " + payload.replace('\0', '?')
                        + " contains a NUL or a char that is not a byte (U+" + Integer.toHexString(c) + ")");
            }
        }
        for (String component : payload.split("/", -1)) {
            if (component.equals("..")) {
                throw new IOException("object path " + payload + " has a \"..\" component");
            }
        }
        return Bytes.of(payload);
    }
}
