package org.cfsj.composefs;

/**
 * Which directory entries of an image the FUSE view shows: the names a file can have, plus one
 * "." and one "..". An EROFS directory stores its own "." and ".." as entries, and a crafted image
 * can add more of them, or names containing a NUL or a '/', which no filesystem can hold.
 *
 * <p>What the kernel's composefs mount (EROFS under overlayfs) does with such entries, for the
 * record: EROFS emits every stored entry as it is, so a second "." or ".." is listed twice; the
 * VFS's getdents fails with EIO at a name containing '/' (entries after it are never listed); and
 * a name with a NUL reaches programs cut at the NUL, under which name EROFS's lookup also finds
 * it. None of that is a view worth copying: this one drops all of them, so a listing never fails
 * or repeats because of one bad entry and never shows a name that is not the stored one.
 *
 * <p>Readdir is stateless (no handle per open directory), so whether a "." or ".." was already
 * listed travels in the readdir cookie ({@link Cookie}), which the kernel hands back to continue
 * a listing.
 */
final class DirentNames {
    private DirentNames() {}

    /** What to do with one stored entry. */
    enum Verdict {
        LIST(null),
        EXTRA_DOT("a second \".\" or \"..\" entry"),
        SLASH("the name contains a '/'"),
        NUL("the name contains a NUL byte");

        private final String reason;

        Verdict(String reason) {
            this.reason = reason;
        }

        /** Why the entry is not listed (null for {@link #LIST}). */
        String reason() {
            return reason;
        }
    }

    /**
     * Where a listing goes on: the index of the next stored entry, and whether a "." and a ".."
     * were listed before it. Encoded as the 64-bit readdir offset: the index in the low 48 bits (an
     * EROFS directory has far fewer entries), the two flags above it; 0 is the start.
     */
    record Cookie(long index, boolean dotListed, boolean dotDotListed) {
        /** The largest index a cookie holds. */
        static final long MAX_INDEX = (1L << 48) - 1;
        private static final long INDEX_MASK = MAX_INDEX;
        private static final long DOT = 1L << 48;
        private static final long DOT_DOT = 1L << 49;

        static Cookie decode(long offset) {
            return new Cookie(offset & INDEX_MASK, (offset & DOT) != 0, (offset & DOT_DOT) != 0);
        }

        long encode() {
            return index | (dotListed ? DOT : 0) | (dotDotListed ? DOT_DOT : 0);
        }

        /** The cookie after listing the entry {@code name} at {@link #index()}. */
        Cookie after(byte[] name) {
            return new Cookie(index + 1, dotListed || isDot(name), dotDotListed || isDotDot(name));
        }

        /** The cookie after passing over the entry at {@link #index()} without listing it. */
        Cookie skip() {
            return new Cookie(index + 1, dotListed, dotDotListed);
        }
    }

    /** Whether the entry {@code name}, met at {@code at}, is listed, and if not, why. */
    static Verdict judge(byte[] name, Cookie at) {
        for (byte b : name) {
            if (b == 0) {
                return Verdict.NUL;
            }
            if (b == '/') {
                return Verdict.SLASH;
            }
        }
        if ((isDot(name) && at.dotListed()) || (isDotDot(name) && at.dotDotListed())) {
            return Verdict.EXTRA_DOT;
        }
        return Verdict.LIST;
    }

    /** True for a name a file can have and a lookup can find: not empty, ".", "..", no NUL or '/'. */
    static boolean isFileName(byte[] name) {
        if (name.length == 0 || isDot(name) || isDotDot(name)) {
            return false;
        }
        for (byte b : name) {
            if (b == 0 || b == '/') {
                return false;
            }
        }
        return true;
    }

    /** The name for a log line: printable ASCII as is, other bytes as \xNN. */
    static String printable(byte[] name) {
        StringBuilder sb = new StringBuilder(name.length);
        for (byte b : name) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    private static boolean isDot(byte[] name) {
        return name.length == 1 && name[0] == '.';
    }

    private static boolean isDotDot(byte[] name) {
        return name.length == 2 && name[0] == '.' && name[1] == '.';
    }
}
