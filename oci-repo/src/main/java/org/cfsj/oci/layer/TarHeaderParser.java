package org.cfsj.oci.layer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.cfsj.tree.Limits;
import org.cfsj.tree.Xattr;

/**
 * Parses tar header blocks: ustar (name prefix), GNU (base-256 numbers, 'L'/'K' long
 * name/link members), and PAX ('x' per-member and 'g' global headers, see {@link PaxFields}).
 * cfsj parses headers itself rather than through commons-compress because the import must
 * see, and keep, every raw block: this class only interprets bytes it is handed.
 *
 * <p>Use: feed each non-zero header block to {@link #parse}; an {@link Header.Extension} means
 * its data (size bytes, then padding) must be read and handed to {@link #acceptExtension}
 * before the next header.
 *
 * <p>Bounds, so that a crafted layer costs time linear in its size and memory bounded by the
 * tree it describes: an extension header holds at most {@value #MAX_EXTENSION} bytes (the limit
 * of Go's archive/tar and of libarchive); global headers keep only the fields a member can use,
 * so their xattrs must fit one entry ({@link Limits#xattrsProblem}) and are shared, not copied,
 * by the members; the xattrs of all members of one layer, counted per member, come to at most
 * {@value #MAX_LAYER_XATTRS} xattrs and {@value #MAX_LAYER_XATTR_BYTES} bytes (global xattrs are
 * stored once here, but every later stage, down to the image writer, handles them per inode).
 * Numeric fields that do not fit their range are refused
 * with a message naming the field.
 */
final class TarHeaderParser {
    /** Largest PAX header or GNU long name/link: 1 MiB, as Go's archive/tar and libarchive allow. */
    static final int MAX_EXTENSION = 1 << 20;
    /** Xattr names and values of all members of a layer, each member counted: 128 MiB. */
    static final long MAX_LAYER_XATTR_BYTES = 128L << 20;
    /** Xattrs of all members of a layer, each member counted. */
    static final long MAX_LAYER_XATTRS = 2_000_000;

    /** What a header block turned out to be. */
    sealed interface Header {
        /** PAX or GNU extension data of {@code size} bytes follows and applies to the next member. */
        record Extension(byte type, long size) implements Header {}

        /** A member; its content (if any) follows. */
        record Member(TarEntry entry) implements Header {}
    }

    private final PaxFields global = new PaxFields();
    /** The global xattrs as one shared list, and their size, recomputed when a 'g' header comes. */
    private List<Xattr> globalXattrs = List.of();
    private long globalXattrBytes;
    private PaxFields pax;
    private byte[] gnuLongName;
    private byte[] gnuLongLink;
    private long layerXattrBytes;
    private long layerXattrs;

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
                    throw bad(offset, (type == 'x' || type == 'g' ? "PAX header" : "GNU long name")
                            + " of " + size + " bytes is larger than " + MAX_EXTENSION);
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
            case 'x' -> {
                PaxFields f = PaxFields.parse(data, offset);
                if (pax == null) {
                    pax = f;
                } else {
                    pax.override(f);
                }
            }
            case 'g' -> {
                global.override(PaxFields.parse(data, offset));
                globalXattrs = global.xattrList();
                String problem = Limits.xattrsProblem(globalXattrs);
                if (problem != null) {
                    throw bad(offset, "global PAX headers would give every later member " + problem);
                }
                globalXattrBytes = PaxFields.xattrBytes(globalXattrs);
            }
            default -> throw new IllegalArgumentException("not an extension type: " + (char) type);
        }
    }

    /** Whether extension data is pending for a member that has not come (a truncated archive). */
    boolean pendingExtension() {
        return pax != null || gnuLongName != null || gnuLongLink != null;
    }

    private TarEntry member(byte[] b, byte type, long headerSize, long offset) throws BadLayerException {
        PaxFields own = pax;
        pax = null;

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
        long devMajor = number(b, 329, 8, offset, "devmajor");
        long devMinor = number(b, 337, 8, offset, "devminor");
        long size = headerSize;
        // The member's own PAX fields, then the global ones, then the header's.
        name = pick(own == null ? null : own.path, global.path, name);
        link = pick(own == null ? null : own.linkpath, global.linkpath, link);
        size = pick(own == null ? null : own.size, global.size, size);
        uid = pick(own == null ? null : own.uid, global.uid, uid);
        gid = pick(own == null ? null : own.gid, global.gid, gid);
        mtime = pick(own == null ? null : own.mtime, global.mtime, mtime);
        if (uid < 0 || uid > 0xffffffffL || gid < 0 || gid > 0xffffffffL) {
            throw bad(offset, "uid/gid out of range");
        }
        if (devMajor < 0 || devMajor > 0xffffffffL || devMinor < 0 || devMinor > 0xffffffffL) {
            throw bad(offset, "device number out of range");
        }
        List<Xattr> xattrs = globalXattrs;
        long xattrBytes = globalXattrBytes;
        if (own != null && !own.xattrs.isEmpty()) {
            LinkedHashMap<String, Xattr> merged = new LinkedHashMap<>(global.xattrs);
            merged.putAll(own.xattrs);
            xattrs = List.copyOf(merged.values());
            String problem = Limits.xattrsProblem(xattrs);
            if (problem != null) {
                throw badMember(name, offset, problem);
            }
            xattrBytes = PaxFields.xattrBytes(xattrs);
        }
        layerXattrBytes += xattrBytes;
        layerXattrs += xattrs.size();
        if (layerXattrs > MAX_LAYER_XATTRS) {
            throw badMember(name, offset, "the layer's members carry more than " + MAX_LAYER_XATTRS
                    + " xattrs in all (counted per member)");
        }
        if (layerXattrBytes > MAX_LAYER_XATTR_BYTES) {
            throw badMember(name, offset, "the layer's members carry more than " + MAX_LAYER_XATTR_BYTES
                    + " bytes of xattrs in all (names and values, counted per member)");
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
                    + Limits.show(name));
        };
        if (name.length == 0) {
            throw bad(offset, "member with an empty name");
        }
        return new TarEntry(name, kind, mode, (int) uid, (int) gid, mtime, kind == TarEntry.Kind.REGULAR ? size : 0,
                link, (int) devMajor, (int) devMinor, xattrs, offset);
    }

    private static <T> T pick(T own, T global, T header) {
        return own != null ? own : global != null ? global : header;
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
                if (v > (Long.MAX_VALUE >> 8) || v < (Long.MIN_VALUE >> 8)) {
                    throw bad(offset, field + " field out of range (more than 64 bits)");
                }
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

    private static BadLayerException badMember(byte[] name, long offset, String what) {
        return new BadLayerException("bad tar member " + Limits.show(name) + " (at byte " + offset + "): " + what);
    }
}
