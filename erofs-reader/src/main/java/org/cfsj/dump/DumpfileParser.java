package org.cfsj.dump;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cfsj.dump.DumpSink.DirectorySink;
import org.cfsj.dump.DumpSink.WriterTreeSink;
import org.cfsj.erofs.write.WriterTree;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Limits;
import org.cfsj.tree.Node;
import org.cfsj.verity.VerityAlgorithm;

/**
 * Parses a composefs dumpfile (composefs-dump(5)) into a tree, with the rules and limits of C
 * composefs's {@code mkcomposefs --from-file}. Strict mode ({@code CFS_PARSE_STRICT} in C) also
 * rejects a missing final newline, a non-zero rdev on a non-device and a symlink whose size or
 * content disagrees with its target.
 *
 * <p>Where C composefs silently accepts garbage (a digest that is not 64 or 128 hex digits, an
 * unparsable gid, a number that overflows, a {@code \x00} escape that C's strings would cut
 * a name, target or payload at), cfsj rejects the line instead. Names, symlink targets and
 * xattrs must also pass the tree model's {@link Limits}, so the image never holds what the
 * kernel or cfsj's reader would refuse.
 *
 * <p>One pass over the bytes, one small record per line: fields are cut and numbers read in place,
 * a field is copied only when it is kept (a name, a target, a value), and a path is resolved
 * component by component through one hash table of (parent, name), without a string or a key
 * object per lookup. The records then become either the {@link Directory} model ({@link #parse})
 * or directly the image writer's {@link WriterTree} ({@link #parseForImage}); no order of input
 * lines is assumed beyond "a parent before its entries", and nothing recurses on the depth.
 */
public final class DumpfileParser {
    public enum Mode { STRICT, LENIENT }

    /** Longest inline content composefs accepts (LCFS_INLINE_CONTENT_MAX). */
    public static final int INLINE_CONTENT_MAX = 5000;
    /** A symlink target or payload must be shorter (PATH_MAX; {@link Limits#SYMLINK_MAX} is PATH_MAX - 1). */
    public static final int PATH_MAX = Limits.SYMLINK_MAX + 1;
    /** Longest file name. */
    public static final int NAME_MAX = Limits.NAME_MAX;
    /** Longest xattr name (XATTR_NAME_MAX). */
    public static final int XATTR_NAME_MAX = Limits.XATTR_NAME_MAX;
    /** Budget for one inode's xattrs from external input (LCFS_INODE_EXTERNAL_XATTR_MAX). */
    public static final int XATTR_BUDGET = 0xffff / 2;

    private static final int FIELDS = 11;

    /** How much of the input is read at a time; a longer line grows the buffer. */
    private static final int CHUNK = 1 << 20;

    private final Mode mode;
    private final DumpSink sink;
    private DumpEntry root;
    private int entryCount;
    private final List<DumpEntry> hardlinks = new ArrayList<>();
    private final ChildIndex children = new ChildIndex();
    private int lineNo;
    // Field bounds of the current line, reused for every line.
    private final int[] fs = new int[FIELDS];
    private final int[] fe = new int[FIELDS];
    /** The current line's fields, reused for every line. */
    private final DumpFields f = new DumpFields();

    private DumpfileParser(Mode mode, DumpSink sink) {
        this.mode = mode;
        this.sink = sink;
    }

    public static Directory parse(InputStream in, Mode mode) throws IOException {
        DirectorySink sink = new DirectorySink();
        new DumpfileParser(mode, sink).read(new byte[CHUNK], 0, in);
        return sink.root();
    }

    public static Directory parse(byte[] data, Mode mode) throws DumpfileException {
        DirectorySink sink = new DirectorySink();
        try {
            new DumpfileParser(mode, sink).read(data, data.length, null);
        } catch (DumpfileException e) {
            throw e;
        } catch (IOException e) {
            throw new AssertionError(e); // no stream to read
        }
        return sink.root();
    }

    /**
     * The image writer's tree of a dumpfile, for {@code ComposefsImageWriter}, read in chunks
     * (the whole input is never in memory); the same checks as {@link #parse}.
     */
    public static WriterTree parseForImage(InputStream in, Mode mode) throws IOException {
        WriterTreeSink sink = new WriterTreeSink();
        new DumpfileParser(mode, sink).read(new byte[CHUNK], 0, in);
        return sink.tree();
    }

    /**
     * Reads lines from {@code buf[0, end)} and then, if {@code in} is not null, from {@code in}
     * through {@code buf} (grown for a line longer than it); then resolves hardlinks.
     */
    private void read(byte[] buf, int end, InputStream in) throws IOException {
        int start = 0;
        int scan = 0;
        boolean eof = in == null;
        while (true) {
            // One scan finds the line's end and any NUL in it.
            while (scan < end && buf[scan] != '\n') {
                if (buf[scan] == 0) {
                    throw new DumpfileException(lineNo + 1, "invalid embedded NUL character at position " + (scan - start));
                }
                scan++;
            }
            if (scan < end) {
                lineNo++;
                line(buf, start, scan);
                start = ++scan;
                continue;
            }
            if (eof) {
                if (start < end) {
                    lineNo++;
                    if (mode == Mode.STRICT) {
                        throw new DumpfileException(lineNo, "missing trailing newline");
                    }
                    line(buf, start, end);
                }
                break;
            }
            // Keep the partial line, make room, read on.
            int partial = end - start;
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, partial);
            } else if (partial == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            scan -= start;
            start = 0;
            end = partial;
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
            } else {
                end += n;
            }
        }
        if (root == null) {
            throw new DumpfileException(0, "no files in dump file");
        }
        resolveHardlinks();
    }

    private void line(byte[] data, int from, int to) throws DumpfileException {
        // Split the fixed fields; as in C, a short line leaves the trailing fields empty.
        int pos = from;
        for (int f = 0; f < FIELDS; f++) {
            int sp = pos >= to ? -1 : indexOf(data, (byte) ' ', pos, to);
            fs[f] = Math.min(pos, to);
            fe[f] = sp < 0 ? to : sp;
            pos = sp < 0 ? to : sp + 1;
        }

        // The path is resolved where it lies in the line, or in a scratch buffer if it has escapes.
        byte[] path = data;
        int pathFrom = fs[0];
        int pathTo = fe[0];
        if (indexOf(data, (byte) '\\', pathFrom, pathTo) >= 0) {
            path = unescape(data, pathFrom, pathTo, "path");
            pathFrom = 0;
            pathTo = path.length;
        }
        if (pathFrom == pathTo) {
            throw error("invalid empty path");
        }
        int ms = fs[2];
        boolean hardlink = ms < fe[2] && data[ms] == '@';
        if (hardlink) {
            ms++;
        }
        long modeValue = number(data, ms, fe[2], 8, "mode");
        int st = (int) modeValue;
        if (!Node.validType(st)) {
            throw error("invalid mode " + Long.toOctalString(modeValue));
        }
        DumpEntry e = new DumpEntry(lineNo, st, hardlink);
        attach(path, pathFrom, pathTo, e);

        if (hardlink) {
            if (e.isDir()) {
                throw error("directories can't be hardlinked");
            }
            e.hardlinkTarget = optional(data, fs[8], fe[8], "hardlink target");
            hardlinks.add(e);
            return;
        }

        DumpFields f = this.f;
        f.clear();
        f.size = number(data, fs[1], fe[1], 10, "size");
        f.nlink = u32(data, fs[3], fe[3], "nlink");
        f.uid = u32(data, fs[4], fe[4], "uid");
        f.gid = u32(data, fs[5], fe[5], "gid");
        f.rdev = number(data, fs[6], fe[6], 10, "rdev");
        mtime(data, fs[7], fe[7], f);
        byte[] payload = optional(data, fs[8], fe[8], "payload");
        byte[] content = optional(data, fs[9], fe[9], "content");
        if (content != null && content.length != f.size) {
            throw error("invalid content size " + content.length + ", must match size " + f.size);
        }

        int type = st & Node.S_IFMT;
        boolean device = type == Node.S_IFCHR || type == Node.S_IFBLK;
        if (!device && f.rdev != 0) {
            if (mode == Mode.STRICT) {
                throw error("non-zero devnum on non-device");
            }
            f.rdev = 0;
        }
        if (type == Node.S_IFLNK) {
            if (payload == null || payload.length == 0) {
                throw error("invalid symlink: empty target");
            }
            if (payload.length >= PATH_MAX) {
                throw error("invalid symlink: target of " + payload.length + " bytes is longer than " + (PATH_MAX - 1));
            }
            String problem = Limits.symlinkTargetProblem(payload);
            if (problem != null) {
                throw error("invalid symlink: " + problem);
            }
            if (mode == Mode.STRICT) {
                if (f.size != payload.length) {
                    throw error("invalid symlink size " + f.size + ", must match target length " + payload.length);
                }
                if (content != null && content.length > 0) {
                    throw error("symlink cannot have content");
                }
            }
            f.size = payload.length;
        } else {
            if (payload != null && payload.length >= PATH_MAX) {
                throw error("invalid payload: " + payload.length + " bytes is longer than " + (PATH_MAX - 1));
            }
            if (payload != null && indexOf(payload, (byte) 0, 0, payload.length) >= 0) {
                throw error("invalid payload: it contains a NUL byte");
            }
            if (content != null && content.length > INLINE_CONTENT_MAX) {
                throw error("inline content size " + content.length + " exceeds maximum " + INLINE_CONTENT_MAX);
            }
            f.content = content == null || content.length == 0 ? null : content;
        }
        f.payload = payload;
        // An empty digest field (a truncated line) means "unset" to lenient parsing; C composefs
        // would take uninitialised bytes as the digest there.
        boolean digestUnset = fe[10] - fs[10] == 1 && data[fs[10]] == '-';
        if (!digestUnset && !(fe[10] == fs[10] && mode == Mode.LENIENT)) {
            byte[] hex = data;
            int hexFrom = fs[10];
            int hexTo = fe[10];
            if (indexOf(data, (byte) '\\', hexFrom, hexTo) >= 0) {
                hex = unescape(data, hexFrom, hexTo, "digest");
                hexFrom = 0;
                hexTo = hex.length;
            }
            f.digest = hexDigest(hex, hexFrom, hexTo);
        }

        if (to - pos > 0xffff) {
            throw error("too many xattrs");
        }
        while (pos < to) {
            int sp = indexOf(data, (byte) ' ', pos, to);
            int end = sp < 0 ? to : sp;
            xattr(data, pos, end, f);
            pos = sp < 0 ? to : sp + 1;
        }
        f.compactXattrs();

        e.node = sink.node(st, f);
        if (e.parent == null) {
            sink.root(e.node);
        } else {
            sink.entry(e.parent.node, e.name, e.node, true);
        }
    }

    /** Puts {@code e} under the path {@code path[from, to)} (unescaped). */
    private void attach(byte[] path, int from, int to, DumpEntry e) throws DumpfileException {
        if (to - from == 1 && path[from] == '/') {
            if (!e.isDir() || e.hardlink) {
                throw error("root must be a directory");
            }
            if (root != null) {
                throw error("can't have multiple roots");
            }
            root = e;
            root.id = entryCount++;
            return;
        }
        if (root == null) {
            throw error("root node not present");
        }
        DumpEntry parent = root;
        int i = from;
        int n = to;
        int start;
        while (true) {
            while (i < n && path[i] == '/') {
                i++;
            }
            start = i;
            while (i < n && path[i] != '/') {
                i++;
            }
            if (i >= n) {
                break;
            }
            DumpEntry next = children.get(parent, path, start, i);
            if (next == null) {
                throw error("parent directory missing for " + printable(Arrays.copyOfRange(path, from, to)));
            }
            parent = next;
        }
        byte[] name = Arrays.copyOfRange(path, start, i);
        if (!parent.isDir() || parent.hardlink) {
            throw error("parent must be a directory for " + printable(Arrays.copyOfRange(path, from, to)));
        }
        if (name.length == 0) {
            throw error("invalid empty file name in path " + printable(Arrays.copyOfRange(path, from, to)));
        }
        if ((name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
            throw error("invalid . or .. in path: " + printable(Arrays.copyOfRange(path, from, to)));
        }
        if (name.length > NAME_MAX) {
            throw error("file name of " + name.length + " bytes is longer than " + NAME_MAX + ": " + printable(Arrays.copyOfRange(path, from, to)));
        }
        String problem = Limits.nameProblem(name);
        if (problem != null) {
            throw error("invalid path " + printable(Arrays.copyOfRange(path, from, to)) + ": " + problem);
        }
        e.parent = parent;
        e.name = name;
        e.id = entryCount++;
        if (!children.add(e)) {
            throw error("path " + printable(Arrays.copyOfRange(path, from, to)) + " already exists");
        }
    }

    /**
     * Adds one xattr of the current line to {@code e}. A repeated name replaces the earlier value,
     * which moves to the end (the order of the source otherwise; see {@link DumpFields#putXattr}).
     */
    private void xattr(byte[] data, int from, int to, DumpFields e) throws DumpfileException {
        int eq = indexOf(data, (byte) '=', from, to);
        if (eq < 0) {
            throw error("missing = in xattr");
        }
        byte[] key = unescape(data, from, eq, "xattr name");
        byte[] value = unescape(data, eq + 1, to, "xattr value");
        if (key.length == 0 || key.length > XATTR_NAME_MAX) {
            throw error("can't set xattr: name length " + key.length + " is not within 1.." + XATTR_NAME_MAX);
        }
        if (indexOf(key, (byte) 0, 0, key.length) >= 0) {
            throw error("can't set xattr: NUL in name");
        }
        if (value.length > 0xffff) {
            throw error("can't set xattr " + printable(key) + ": value of " + value.length + " bytes is too long");
        }
        // Same accounting as C composefs (worst-case alignment per entry, header once), so that
        // exactly the same inputs are accepted.
        int old = e.findXattr(key);
        if (old >= 0) {
            int oldSize = 7 + key.length + e.xattrValues[old].length;
            e.removeXattr(old);
            e.xattrBudgetUsed = e.xattrCount == 0 ? 0 : e.xattrBudgetUsed - oldSize;
        }
        int entrySize = 7 + key.length + value.length + (e.xattrCount == 0 ? 12 : 0);
        if (e.xattrBudgetUsed + entrySize > XATTR_BUDGET) {
            throw error("can't set xattr " + printable(key) + ": the inode's xattrs exceed " + XATTR_BUDGET + " bytes");
        }
        e.putXattr(key, value);
        e.xattrBudgetUsed += entrySize;
    }

    /** Resolves every hardlink entry to the entry that holds the data, and adds it to its directory. */
    private void resolveHardlinks() throws DumpfileException {
        for (DumpEntry link : hardlinks) {
            lineNo = link.line;
            if (link.hardlinkTarget == null) {
                throw error("no target path for the hardlink");
            }
            DumpEntry target = lookup(link.hardlinkTarget);
            if (target == null) {
                throw error("no target at " + printable(link.hardlinkTarget) + " for hardlink");
            }
            if (target == link) {
                throw error("self-referential hardlink " + printable(link.hardlinkTarget));
            }
            link.target = target;
        }
        for (DumpEntry link : hardlinks) {
            lineNo = link.line;
            DumpEntry t = link;
            int steps = 0;
            while (t.hardlink) {
                t = t.target;
                if (++steps > hardlinks.size()) {
                    throw error("hardlink cycle through " + printable(link.hardlinkTarget));
                }
            }
            if (t.isDir()) {
                throw error("hardlink to directory " + printable(link.hardlinkTarget));
            }
            link.target = t;
        }
        for (DumpEntry link : hardlinks) {
            sink.entry(link.parent.node, link.name, link.target.node, false);
        }
    }

    private DumpEntry lookup(byte[] path) {
        DumpEntry cur = root;
        int i = 0;
        while (cur != null) {
            while (i < path.length && path[i] == '/') {
                i++;
            }
            if (i >= path.length) {
                return cur;
            }
            int start = i;
            while (i < path.length && path[i] != '/') {
                i++;
            }
            cur = children.get(cur, path, start, i);
        }
        return null;
    }

    private void mtime(byte[] data, int from, int to, DumpFields e) throws DumpfileException {
        int dot = indexOf(data, (byte) '.', from, to);
        if (dot < 0) {
            throw error("invalid mtime " + printable(Arrays.copyOfRange(data, from, to)) + ": expected SECONDS.NANOSECONDS");
        }
        boolean negative = dot > from && data[from] == '-';
        long sec = number(data, negative ? from + 1 : from, dot, 10, "mtime seconds");
        e.mtimeSec = negative ? -sec : sec;
        long nsec = number(data, dot + 1, to, 10, "mtime nanoseconds");
        if (nsec > 0xffffffffL) {
            throw error("mtime nanoseconds out of range: " + nsec);
        }
        e.mtimeNsec = (int) nsec;
    }

    private int u32(byte[] data, int from, int to, String what) throws DumpfileException {
        long v = number(data, from, to, 10, what);
        if (v < 0 || v > 0xffffffffL) {
            throw error(what + " out of range: " + Long.toUnsignedString(v));
        }
        return (int) v;
    }

    /** An unsigned number; digits only (C's strtoull would also take signs and spaces). */
    private long number(byte[] data, int from, int to, int radix, String what) throws DumpfileException {
        if (from >= to) {
            throw error("invalid " + what + ": empty field");
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = digit(data[i], radix);
            if (d < 0) {
                throw error("invalid " + what + " " + printable(Arrays.copyOfRange(data, from, to)));
            }
            long next = v * radix + d;
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L, radix)) > 0 || Long.compareUnsigned(next, v) < 0) {
                throw error(what + " out of range: " + printable(Arrays.copyOfRange(data, from, to)));
            }
            v = next;
        }
        return v;
    }

    /** The fs-verity algorithms by digest size (the last slot stays null): a lookup per line, without a copy of values(). */
    private static final VerityAlgorithm[] BY_DIGEST_SIZE;

    static {
        int max = 0;
        for (VerityAlgorithm a : VerityAlgorithm.values()) {
            max = Math.max(max, a.digestSize());
        }
        BY_DIGEST_SIZE = new VerityAlgorithm[max + 2];
        for (VerityAlgorithm a : VerityAlgorithm.values()) {
            BY_DIGEST_SIZE[a.digestSize()] = a;
        }
    }

    /** The raw digest that the hex digits {@code hex[from, to)} spell. */
    private byte[] hexDigest(byte[] hex, int from, int to) throws DumpfileException {
        int len = to - from;
        VerityAlgorithm alg = len % 2 == 0 ? BY_DIGEST_SIZE[Math.min(len / 2, BY_DIGEST_SIZE.length - 1)] : null;
        if (alg == null) {
            throw error("invalid digest: expected 64 (sha256) or 128 (sha512) hex digits, got " + len
                    + " characters");
        }
        byte[] raw = new byte[alg.digestSize()];
        for (int i = 0; i < raw.length; i++) {
            int hi = HEX_VALUE[hex[from + 2 * i] & 0xff];
            int lo = HEX_VALUE[hex[from + 2 * i + 1] & 0xff];
            if (hi < 0 || lo < 0) {
                throw error("invalid digest: not hexadecimal: " + printable(Arrays.copyOfRange(hex, from, to)));
            }
            raw[i] = (byte) (hi << 4 | lo);
        }
        return raw;
    }

    private byte[] optional(byte[] data, int from, int to, String what) throws DumpfileException {
        if (to - from == 1 && data[from] == '-') {
            return null;
        }
        return unescape(data, from, to, what);
    }

    /** The value of each byte as a hex digit, or -1 (a table: this runs for every digit of every line). */
    private static final byte[] HEX_VALUE = new byte[256];

    static {
        Arrays.fill(HEX_VALUE, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            HEX_VALUE[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            HEX_VALUE[c] = (byte) (c - 'a' + 10);
            HEX_VALUE[c - 'a' + 'A'] = (byte) (c - 'a' + 10);
        }
    }

    /** The value of an ASCII digit in {@code radix} (at most 16), or -1. */
    private static int digit(byte c, int radix) {
        int d = HEX_VALUE[c & 0xff];
        return d < radix ? d : -1;
    }

    private byte[] unescape(byte[] data, int from, int to, String what) throws DumpfileException {
        if (indexOf(data, (byte) '\\', from, to) < 0) {
            return Arrays.copyOfRange(data, from, to);
        }
        byte[] out = new byte[to - from];
        int o = 0;
        int i = from;
        while (i < to) {
            byte c = data[i++];
            if (c != '\\') {
                out[o++] = c;
                continue;
            }
            if (i >= to) {
                throw error(what + ": no character after escape");
            }
            byte x = data[i++];
            switch (x) {
                case '\\' -> out[o++] = '\\';
                case 'n' -> out[o++] = '\n';
                case 'r' -> out[o++] = '\r';
                case 't' -> out[o++] = '\t';
                case 'x' -> {
                    if (i + 2 > to) {
                        throw error(what + ": no hex characters after hex escape");
                    }
                    int hi = digit(data[i], 16);
                    int lo = digit(data[i + 1], 16);
                    if (hi < 0 || lo < 0) {
                        throw error(what + ": invalid hex characters after hex escape");
                    }
                    out[o++] = (byte) (hi << 4 | lo);
                    i += 2;
                }
                default -> throw error(what + ": unsupported escape type " + printable(new byte[] {x}));
            }
        }
        return Arrays.copyOf(out, o);
    }

    private static int indexOf(byte[] data, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static String printable(byte[] b) {
        String s = DumpEscaper.escape(b, DumpEscaper.Style.KEEP_SPACE);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private DumpfileException error(String message) {
        return new DumpfileException(lineNo, message);
    }
}
