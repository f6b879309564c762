package org.cfsj.oci.layer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cfsj.tree.Xattr;

/**
 * Parses tar header blocks: ustar (name prefix), GNU (base-256 numbers, 'L'/'K' long
 * name/link members), and PAX ('x' per-member and 'g' global records: path, linkpath, size,
 * uid, gid, mtime, {@code SCHILY.xattr.*}, {@code LIBARCHIVE.xattr.*}). cfsj parses headers
 * itself rather than through commons-compress because the import must see, and keep, every raw
 * block: this class only interprets bytes it is handed.
 *
 * <p>Use: feed each non-zero header block to {@link #parse}; an {@link Header.Extension} means
 * its data (size bytes, then padding) must be read and handed to {@link #acceptExtension}
 * before the next header.
 */
final class TarHeaderParser {
    /** Extension data larger than this is refused (a real one is a few KiB; this bounds memory). */
    static final int MAX_EXTENSION = 16 << 20;

    /** What a header block turned out to be. */
    sealed interface Header {
        /** PAX or GNU extension data of {@code size} bytes follows and applies to the next member. */
        record Extension(byte type, long size) implements Header {}

        /** A member; its content (if any) follows. */
        record Member(TarEntry entry) implements Header {}
    }

    private final Map<String, byte[]> globalPax = new LinkedHashMap<>();
    private Map<String, byte[]> pax = new LinkedHashMap<>();
    private byte[] gnuLongName;
    private byte[] gnuLongLink;

    /** Parses one 512-byte header block found at {@code offset}. */
    Header parse(byte[] b, long offset) throws BadLayerException {
        verifyChecksum(b, offset);
        byte type = b[156];
        long size = number(b, 124, 12, offset, "size");
        if (size < 0) {
            throw bad(offset, "negative size");
        }
        switch (type) {
            case 'x', 'g', 'L', 'K' -> {
                if (size > MAX_EXTENSION) {
                    throw bad(offset, "extension header of " + size + " bytes is too large");
                }
                return new Header.Extension(type, size);
            }
            case 'S' -> throw bad(offset, "GNU sparse files are not supported");
            default -> {}
        }
        return new Header.Member(member(b, type, size, offset));
    }

    /** Takes the data of an extension member announced by {@link #parse}. */
    void acceptExtension(byte type, byte[] data, long offset) throws BadLayerException {
        switch (type) {
            case 'L' -> gnuLongName = cString(data, 0, data.length);
            case 'K' -> gnuLongLink = cString(data, 0, data.length);
            case 'x' -> pax.putAll(paxRecords(data, offset));
            case 'g' -> globalPax.putAll(paxRecords(data, offset));
            default -> throw new IllegalArgumentException("not an extension type: " + (char) type);
        }
    }

    /** Whether extension data is pending for a member that has not come (a truncated archive). */
    boolean pendingExtension() {
        return !pax.isEmpty() || gnuLongName != null || gnuLongLink != null;
    }

    private TarEntry member(byte[] b, byte type, long headerSize, long offset) throws BadLayerException {
        // Global records, overridden by this member's (read only below); no copies when one side is empty.
        Map<String, byte[]> records;
        if (pax.isEmpty()) {
            records = globalPax;
        } else if (globalPax.isEmpty()) {
            records = pax;
            pax = new LinkedHashMap<>();
        } else {
            records = new LinkedHashMap<>(globalPax);
            records.putAll(pax);
            pax = new LinkedHashMap<>();
        }

        boolean posixUstar = Arrays.equals(b, 257, 263, USTAR_POSIX, 0, 6);
        byte[] name = cString(b, 0, 100);
        if (posixUstar && b[345] != 0) {
            byte[] prefix = cString(b, 345, 155);
            byte[] full = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
            full[prefix.length] = '/';
            System.arraycopy(name, 0, full, prefix.length + 1, name.length);
            name = full;
        }
        byte[] link = cString(b, 157, 100);
        if (gnuLongName != null) {
            name = gnuLongName;
            gnuLongName = null;
        }
        if (gnuLongLink != null) {
            link = gnuLongLink;
            gnuLongLink = null;
        }
        int mode = (int) (number(b, 100, 8, offset, "mode") & 07777);
        long uid = number(b, 108, 8, offset, "uid");
        long gid = number(b, 116, 8, offset, "gid");
        long mtime = number(b, 136, 12, offset, "mtime");
        int devMajor = (int) number(b, 329, 8, offset, "devmajor");
        int devMinor = (int) number(b, 337, 8, offset, "devminor");
        long size = headerSize;
        List<Xattr> xattrs = new ArrayList<>();
        Map<String, Xattr> byName = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            String key = r.getKey();
            byte[] v = r.getValue();
            switch (key) {
                case "path" -> name = v;
                case "linkpath" -> link = v;
                case "size" -> size = paxLong(v, offset, key);
                case "uid" -> uid = paxLong(v, offset, key);
                case "gid" -> gid = paxLong(v, offset, key);
                case "mtime" -> mtime = paxSeconds(v, offset);
                default -> {
                    if (key.startsWith("SCHILY.xattr.")) {
                        String xn = key.substring("SCHILY.xattr.".length());
                        byName.putIfAbsent(xn, new Xattr(xn.getBytes(StandardCharsets.ISO_8859_1), v));
                    } else if (key.startsWith("LIBARCHIVE.xattr.")) {
                        String xn = urlDecode(key.substring("LIBARCHIVE.xattr.".length()));
                        byte[] value;
                        try {
                            value = Base64.getDecoder().decode(new String(v, StandardCharsets.ISO_8859_1).strip());
                        } catch (IllegalArgumentException e) {
                            throw bad(offset, "LIBARCHIVE.xattr value is not base64");
                        }
                        byName.putIfAbsent(xn, new Xattr(xn.getBytes(StandardCharsets.ISO_8859_1), value));
                    } else if (key.startsWith("GNU.sparse.")) {
                        throw bad(offset, "sparse files are not supported");
                    }
                    // Other records (atime, ctime, uname, gname, comment, hdrcharset…) do not
                    // reach a composefs image.
                }
            }
        }
        xattrs.addAll(byName.values());
        if (uid < 0 || uid > 0xffffffffL || gid < 0 || gid > 0xffffffffL) {
            throw bad(offset, "uid/gid out of range");
        }
        TarEntry.Kind kind = switch (type) {
            case '0', 0, '7' -> name.length > 0 && name[name.length - 1] == '/' ? TarEntry.Kind.DIRECTORY : TarEntry.Kind.REGULAR;
            case '1' -> TarEntry.Kind.HARDLINK;
            case '2' -> TarEntry.Kind.SYMLINK;
            case '3' -> TarEntry.Kind.CHAR_DEVICE;
            case '4' -> TarEntry.Kind.BLOCK_DEVICE;
            case '5' -> TarEntry.Kind.DIRECTORY;
            case '6' -> TarEntry.Kind.FIFO;
            default -> throw bad(offset, "unsupported tar member type '" + printable(type) + "' for "
                    + new String(name, StandardCharsets.ISO_8859_1));
        };
        if (name.length == 0) {
            throw bad(offset, "member with an empty name");
        }
        return new TarEntry(name, kind, mode, (int) uid, (int) gid, mtime, kind == TarEntry.Kind.REGULAR ? size : 0,
                link, devMajor, devMinor, xattrs, offset);
    }

    private static final byte[] USTAR_POSIX = {'u', 's', 't', 'a', 'r', 0};

    private static void verifyChecksum(byte[] b, long offset) throws BadLayerException {
        long stored = number(b, 148, 8, offset, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < 512; i++) {
            int v = (i >= 148 && i < 156) ? ' ' : b[i];
            unsigned += v & 0xff;
            signed += (i >= 148 && i < 156) ? ' ' : b[i];
        }
        if (stored != unsigned && stored != signed) {
            throw bad(offset, "header checksum mismatch (not a tar archive, or corrupt)");
        }
    }

    /** A numeric header field: octal text (space/NUL padded) or GNU base-256. */
    static long number(byte[] b, int off, int len, long offset, String field) throws BadLayerException {
        if ((b[off] & 0x80) != 0) {
            long v = (b[off] & 0x40) != 0 ? -1 : 0; // 0xff...: negative, two's complement
            v = (v << 6) | (b[off] & 0x3f);
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (b[off + i] & 0xff);
            }
            return v;
        }
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == 0)) {
            i++;
        }
        long v = 0;
        for (; i < end && b[i] != ' ' && b[i] != 0; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 7) {
                throw bad(offset, "invalid " + field + " field");
            }
            v = (v << 3) | d;
        }
        return v;
    }

    /** PAX records "len key=value\n". */
    private static Map<String, byte[]> paxRecords(byte[] data, long offset) throws BadLayerException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        int p = 0;
        while (p < data.length) {
            if (data[p] == 0) {
                break; // NUL padding after the last record
            }
            int sp = p;
            long len = 0;
            while (sp < data.length && data[sp] >= '0' && data[sp] <= '9') {
                len = len * 10 + (data[sp] - '0');
                if (len > data.length) {
                    throw bad(offset, "malformed PAX record length");
                }
                sp++;
            }
            if (sp == p || sp >= data.length || data[sp] != ' ' || p + len > data.length || len < 5) {
                throw bad(offset, "malformed PAX record");
            }
            int recEnd = (int) (p + len);
            if (data[recEnd - 1] != '\n') {
                throw bad(offset, "PAX record not terminated by a newline");
            }
            int eq = -1;
            for (int i = sp + 1; i < recEnd - 1; i++) {
                if (data[i] == '=') {
                    eq = i;
                    break;
                }
            }
            if (eq < 0) {
                throw bad(offset, "PAX record without '='");
            }
            // ISO-8859-1: one char per byte, so xattr names keep their exact bytes.
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.ISO_8859_1);
            out.put(key, Arrays.copyOfRange(data, eq + 1, recEnd - 1));
            p = recEnd;
        }
        return out;
    }

    private static long paxLong(byte[] v, long offset, String key) throws BadLayerException {
        try {
            return Long.parseLong(new String(v, StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            throw bad(offset, "PAX " + key + " is not a number");
        }
    }

    /** PAX times are decimal seconds with an optional fraction: keep whole seconds, rounding down. */
    private static long paxSeconds(byte[] v, long offset) throws BadLayerException {
        long fast = plainSeconds(v);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        String s = new String(v, StandardCharsets.US_ASCII).strip();
        try {
            return new java.math.BigDecimal(s).setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw bad(offset, "PAX mtime is not a number");
        }
    }

    /**
     * The common form, {@code [-]digits[.digits]} (GNU tar writes one per member), parsed
     * without BigDecimal; {@link Long#MIN_VALUE} for anything else (then BigDecimal decides).
     */
    static long plainSeconds(byte[] v) {
        int i = 0;
        boolean negative = v.length > 0 && v[0] == '-';
        if (negative) {
            i++;
        }
        int digitsStart = i;
        long whole = 0;
        for (; i < v.length && v[i] >= '0' && v[i] <= '9'; i++) {
            if (i - digitsStart >= 18) {
                return Long.MIN_VALUE; // could overflow: the slow path
            }
            whole = whole * 10 + (v[i] - '0');
        }
        if (i == digitsStart) {
            return Long.MIN_VALUE;
        }
        boolean fraction = false;
        if (i < v.length && v[i] == '.') {
            for (i++; i < v.length && v[i] >= '0' && v[i] <= '9'; i++) {
                fraction |= v[i] != '0';
            }
        }
        if (i != v.length) {
            return Long.MIN_VALUE;
        }
        // Rounding down: -1.5 is -2.
        return negative ? -whole - (fraction ? 1 : 0) : whole;
    }

    private static String urlDecode(String s) {
        byte[] raw = s.getBytes(StandardCharsets.ISO_8859_1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '%' && i + 2 < raw.length && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
                out.write(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
                i += 2;
            } else {
                out.write(raw[i]);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static int hex(byte c) {
        return Character.digit((char) c, 16);
    }

    private static byte[] cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(b, off, end);
    }

    private static String printable(byte t) {
        return t >= 32 && t < 127 ? String.valueOf((char) t) : "\\x" + Integer.toHexString(t & 0xff);
    }

    static BadLayerException bad(long offset, String what) {
        return new BadLayerException("bad tar at byte " + offset + ": " + what);
    }
}
