package org.cfsj.oci.layer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import org.cfsj.tree.Xattr;

/**
 * The fields of PAX extended headers ({@code "LEN KEY=VALUE\n"} records) that reach a composefs
 * image: path, linkpath, size, uid, gid, mtime and xattrs ({@code SCHILY.xattr.*},
 * {@code LIBARCHIVE.xattr.*}). Every other record (atime, ctime, uname, comment, vendor keys…)
 * is dropped as it is parsed, so what is kept is bounded by what one member can carry, however
 * many records a header had: global headers ('g') therefore cost each later member a constant,
 * not the number of global records seen so far.
 *
 * <p>Values are checked when parsed: numbers are plain decimal and in range (uid and gid
 * 32-bit, size non-negative), xattr values decode. A null field is one no header set.
 */
final class PaxFields {
    byte[] path;
    byte[] linkpath;
    Long size;
    Long uid;
    Long gid;
    Long mtime;
    /** By name; ISO-8859-1 keys, so that every byte of a name is kept. */
    final LinkedHashMap<String, Xattr> xattrs = new LinkedHashMap<>();

    /** Parses the data of one PAX header; {@code offset} (of its tar header) is for messages. */
    static PaxFields parse(byte[] data, long offset) throws BadLayerException {
        PaxFields f = new PaxFields();
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
                    throw TarHeaderParser.bad(offset, "malformed PAX record length");
                }
                sp++;
            }
            if (sp == p || sp >= data.length || data[sp] != ' ' || p + len > data.length || len < 5) {
                throw TarHeaderParser.bad(offset, "malformed PAX record");
            }
            int recEnd = (int) (p + len);
            if (data[recEnd - 1] != '\n') {
                throw TarHeaderParser.bad(offset, "PAX record not terminated by a newline");
            }
            int eq = -1;
            for (int i = sp + 1; i < recEnd - 1; i++) {
                if (data[i] == '=') {
                    eq = i;
                    break;
                }
            }
            if (eq < 0) {
                throw TarHeaderParser.bad(offset, "PAX record without '='");
            }
            // ISO-8859-1: one char per byte, so xattr names keep their exact bytes.
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.ISO_8859_1);
            f.record(key, Arrays.copyOfRange(data, eq + 1, recEnd - 1), offset);
            p = recEnd;
        }
        return f;
    }

    private void record(String key, byte[] v, long offset) throws BadLayerException {
        switch (key) {
            case "path" -> path = v;
            case "linkpath" -> linkpath = v;
            case "size" -> size = decimal(v, Long.MAX_VALUE, offset, key);
            case "uid" -> uid = decimal(v, 0xffffffffL, offset, key);
            case "gid" -> gid = decimal(v, 0xffffffffL, offset, key);
            case "mtime" -> mtime = seconds(v, offset);
            default -> {
                if (key.startsWith("SCHILY.xattr.")) {
                    xattr(key.substring("SCHILY.xattr.".length()), v);
                } else if (key.startsWith("LIBARCHIVE.xattr.")) {
                    byte[] value;
                    try {
                        value = Base64.getDecoder().decode(new String(v, StandardCharsets.ISO_8859_1).strip());
                    } catch (IllegalArgumentException e) {
                        throw TarHeaderParser.bad(offset, "LIBARCHIVE.xattr value is not base64");
                    }
                    xattr(urlDecode(key.substring("LIBARCHIVE.xattr.".length())), value);
                } else if (key.startsWith("GNU.sparse.")) {
                    throw TarHeaderParser.bad(offset, "sparse files are not supported");
                }
            }
        }
    }

    /** Within one header the first record of a name wins (SCHILY before LIBARCHIVE, as tar writes them). */
    private void xattr(String name, byte[] value) {
        xattrs.putIfAbsent(name, new Xattr(name.getBytes(StandardCharsets.ISO_8859_1), value));
    }

    /** Takes every field {@code later} sets: a later header overrides an earlier one. */
    void override(PaxFields later) {
        path = later.path != null ? later.path : path;
        linkpath = later.linkpath != null ? later.linkpath : linkpath;
        size = later.size != null ? later.size : size;
        uid = later.uid != null ? later.uid : uid;
        gid = later.gid != null ? later.gid : gid;
        mtime = later.mtime != null ? later.mtime : mtime;
        xattrs.putAll(later.xattrs);
    }

    List<Xattr> xattrList() {
        return List.copyOf(xattrs.values());
    }

    /** Names and values of all xattrs, in bytes. */
    static long xattrBytes(List<Xattr> xattrs) {
        long n = 0;
        for (Xattr x : xattrs) {
            n += x.nameView().length + x.valueView().length;
        }
        return n;
    }

    /** Plain decimal digits, 0..max; anything else (a sign, spaces inside, a fraction) is refused. */
    private static long decimal(byte[] v, long max, long offset, String key) throws BadLayerException {
        String s = new String(v, StandardCharsets.ISO_8859_1).strip();
        boolean digits = !s.isEmpty() && s.length() <= 19;
        for (int i = 0; digits && i < s.length(); i++) {
            digits = s.charAt(i) >= '0' && s.charAt(i) <= '9';
        }
        if (!digits) {
            throw TarHeaderParser.bad(offset, "PAX " + key + " \"" + org.cfsj.tree.Limits.show(v)
                    + "\" is not a non-negative decimal number");
        }
        long n = Long.parseLong(s);
        if (n > max) {
            throw TarHeaderParser.bad(offset, "PAX " + key + " " + s + " is out of range (0.." + max + ")");
        }
        return n;
    }

    /** PAX times are decimal seconds with an optional fraction: keep whole seconds, rounding down. */
    private static long seconds(byte[] v, long offset) throws BadLayerException {
        long fast = plainSeconds(v);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        String s = new String(v, StandardCharsets.US_ASCII).strip();
        try {
            return new java.math.BigDecimal(s).setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw TarHeaderParser.bad(offset, "PAX mtime \"" + org.cfsj.tree.Limits.show(v) + "\" is not a number");
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
}
