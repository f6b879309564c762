package org.cfsj.composefs;

import java.util.Arrays;
import org.cfsj.tree.Bytes;

/**
 * The extended attributes overlayfs shows for a file of a composefs image (the kernel composefs
 * mount is the reference): overlayfs keeps {@code trusted.overlay.*} for itself (redirect,
 * metacopy, opaque, whiteouts, ...) and hides them, except the escaped
 * {@code trusted.overlay.overlay.X}, which it shows as {@code trusted.overlay.X}. Everything else
 * (user.*, security.*, system.*; also user.overlay.*) is shown as stored.
 */
final class OverlayXattrs {
    static final byte[] REDIRECT = Bytes.of("trusted.overlay.redirect");
    static final byte[] METACOPY = Bytes.of("trusted.overlay.metacopy");
    private static final byte[] PRIVATE = Bytes.of("trusted.overlay.");
    private static final byte[] ESCAPED = Bytes.of("trusted.overlay.overlay.");

    private OverlayXattrs() {}

    /** The name a stored xattr is shown under, or null if overlayfs hides it. */
    static byte[] visibleName(byte[] stored) {
        if (!Bytes.startsWith(stored, PRIVATE)) {
            return stored;
        }
        if (!Bytes.startsWith(stored, ESCAPED)) {
            return null;
        }
        byte[] shown = Arrays.copyOf(PRIVATE, stored.length - (ESCAPED.length - PRIVATE.length));
        System.arraycopy(stored, ESCAPED.length, shown, PRIVATE.length, stored.length - ESCAPED.length);
        return shown;
    }

    /** True when the stored name {@code stored} is shown as {@code shown}. */
    static boolean showsAs(byte[] stored, byte[] shown) {
        if (!Bytes.startsWith(stored, PRIVATE)) {
            return Arrays.equals(stored, shown);
        }
        // trusted.overlay.overlay.X is shown as trusted.overlay.X
        int tail = stored.length - ESCAPED.length;
        return Bytes.startsWith(stored, ESCAPED) && shown.length == PRIVATE.length + tail
                && Bytes.startsWith(shown, PRIVATE)
                && Arrays.equals(stored, ESCAPED.length, stored.length, shown, PRIVATE.length, shown.length);
    }

    /** The object path a redirect value names: without its leading '/', up to a NUL. */
    static String payload(byte[] redirect) {
        int start = redirect.length > 0 && redirect[0] == '/' ? 1 : 0;
        int end = start;
        while (end < redirect.length && redirect[end] != 0) {
            end++;
        }
        return Bytes.str(Arrays.copyOfRange(redirect, start, end));
    }

    /**
     * The fs-verity digest in a metacopy value (struct ovl_metacopy: version, len, flags,
     * digest_algo, then the digest; len counts all of it), or null if it carries none.
     */
    static byte[] digest(byte[] metacopy) {
        if (metacopy.length <= 4) {
            return null;
        }
        int len = Math.min(metacopy[1] & 0xFF, metacopy.length);
        return len <= 4 ? null : Arrays.copyOfRange(metacopy, 4, len);
    }
}
