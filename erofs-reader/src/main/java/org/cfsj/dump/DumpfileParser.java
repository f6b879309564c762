package org.cfsj.dump;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Limits;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Socket;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
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

    private final Mode mode;
    private Entry root;
    private final List<Entry> hardlinks = new ArrayList<>();
    private int lineNo;

    private DumpfileParser(Mode mode) {
        this.mode = mode;
    }

    public static Directory parse(InputStream in, Mode mode) throws IOException {
        return parse(in.readAllBytes(), mode);
    }

    public static Directory parse(byte[] data, Mode mode) throws DumpfileException {
        DumpfileParser p = new DumpfileParser(mode);
        int start = 0;
        while (start < data.length) {
            p.lineNo++;
            int nl = indexOf(data, (byte) '\n', start, data.length);
            if (nl < 0) {
                if (mode == Mode.STRICT) {
                    throw new DumpfileException(p.lineNo, "missing trailing newline");
                }
                p.line(data, start, data.length);
                break;
            }
            p.line(data, start, nl);
            start = nl + 1;
        }
        if (p.root == null) {
            throw new DumpfileException(0, "no files in dump file");
        }
        return p.build();
    }

    /** One line's worth of file, before hardlinks are resolved. */
    private static final class Entry {
        final int line;
        final int mode;
        final boolean hardlink;
        long size;
        int nlink;
        int uid;
        int gid;
        long rdev;
        long mtimeSec;
        int mtimeNsec;
        byte[] payload;
        byte[] content;
        byte[] digest;
        final LinkedHashMap<String, byte[]> xattrs = new LinkedHashMap<>();
        int xattrBudgetUsed;
        final TreeMap<byte[], Entry> children = new TreeMap<>(Bytes.ORDER);
        /** Hardlink entries: the entry holding the data. Others: the node built from this entry. */
        Entry target;
        Node node;

        Entry(int line, int mode, boolean hardlink) {
            this.line = line;
            this.mode = mode;
            this.hardlink = hardlink;
        }

        boolean isDir() {
            return (mode & Node.S_IFMT) == Node.S_IFDIR;
        }
    }

    private void line(byte[] data, int from, int to) throws DumpfileException {
        for (int i = from; i < to; i++) {
            if (data[i] == 0) {
                throw error("invalid embedded NUL character at position " + (i - from));
            }
        }
        // Split the fixed fields; as in C, a short line leaves the trailing fields empty.
        int[] fs = new int[FIELDS];
        int[] fe = new int[FIELDS];
        int pos = from;
        for (int f = 0; f < FIELDS; f++) {
            int sp = pos >= to ? -1 : indexOf(data, (byte) ' ', pos, to);
            fs[f] = Math.min(pos, to);
            fe[f] = sp < 0 ? to : sp;
            pos = sp < 0 ? to : sp + 1;
        }

        byte[] path = unescape(data, fs[0], fe[0], "path");
        if (path.length == 0) {
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
        Entry e = new Entry(lineNo, st, hardlink);
        attach(path, e);

        if (hardlink) {
            if (e.isDir()) {
                throw error("directories can't be hardlinked");
            }
            e.payload = optional(data, fs[8], fe[8], "hardlink target");
            hardlinks.add(e);
            return;
        }

        e.size = number(data, fs[1], fe[1], 10, "size");
        e.nlink = u32(data, fs[3], fe[3], "nlink");
        e.uid = u32(data, fs[4], fe[4], "uid");
        e.gid = u32(data, fs[5], fe[5], "gid");
        e.rdev = number(data, fs[6], fe[6], 10, "rdev");
        mtime(data, fs[7], fe[7], e);
        byte[] payload = optional(data, fs[8], fe[8], "payload");
        byte[] content = optional(data, fs[9], fe[9], "content");
        if (content != null && content.length != e.size) {
            throw error("invalid content size " + content.length + ", must match size " + e.size);
        }
        byte[] digest = optional(data, fs[10], fe[10], "digest");

        int type = st & Node.S_IFMT;
        boolean device = type == Node.S_IFCHR || type == Node.S_IFBLK;
        if (!device && e.rdev != 0) {
            if (mode == Mode.STRICT) {
                throw error("non-zero devnum on non-device");
            }
            e.rdev = 0;
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
                if (e.size != payload.length) {
                    throw error("invalid symlink size " + e.size + ", must match target length " + payload.length);
                }
                if (content != null && content.length > 0) {
                    throw error("symlink cannot have content");
                }
            }
            e.size = payload.length;
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
            e.content = content == null || content.length == 0 ? null : content;
        }
        e.payload = payload;
        // An empty digest field (a truncated line) means "unset" to lenient parsing; C composefs
        // would take uninitialised bytes as the digest there.
        if (digest != null && !(digest.length == 0 && mode == Mode.LENIENT)) {
            e.digest = hexDigest(digest);
        }

        if (to - pos > 0xffff) {
            throw error("too many xattrs");
        }
        while (pos < to) {
            int sp = indexOf(data, (byte) ' ', pos, to);
            int end = sp < 0 ? to : sp;
            xattr(data, pos, end, e);
            pos = sp < 0 ? to : sp + 1;
        }
    }

    private void attach(byte[] path, Entry e) throws DumpfileException {
        String p = Bytes.str(path);
        if (p.equals("/")) {
            if (!e.isDir() || e.hardlink) {
                throw error("root must be a directory");
            }
            if (root != null) {
                throw error("can't have multiple roots");
            }
            root = e;
            return;
        }
        if (root == null) {
            throw error("root node not present");
        }
        Entry parent = root;
        int i = 0;
        int n = path.length;
        byte[] name;
        while (true) {
            while (i < n && path[i] == '/') {
                i++;
            }
            int start = i;
            while (i < n && path[i] != '/') {
                i++;
            }
            name = java.util.Arrays.copyOfRange(path, start, i);
            if (i >= n) {
                break;
            }
            Entry next = parent.children.get(name);
            if (next == null) {
                throw error("parent directory missing for " + printable(path));
            }
            parent = next;
        }
        if (!parent.isDir() || parent.hardlink) {
            throw error("parent must be a directory for " + printable(path));
        }
        if (name.length == 0) {
            throw error("invalid empty file name in path " + printable(path));
        }
        if ((name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
            throw error("invalid . or .. in path: " + printable(path));
        }
        if (name.length > NAME_MAX) {
            throw error("file name of " + name.length + " bytes is longer than " + NAME_MAX + ": " + printable(path));
        }
        String problem = Limits.nameProblem(name);
        if (problem != null) {
            throw error("invalid path " + printable(path) + ": " + problem);
        }
        if (parent.children.putIfAbsent(name, e) != null) {
            throw error("path " + printable(path) + " already exists");
        }
    }

    private void xattr(byte[] data, int from, int to, Entry e) throws DumpfileException {
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
        String k = Bytes.str(key);
        byte[] old = e.xattrs.remove(k);
        if (old != null) {
            e.xattrBudgetUsed = e.xattrs.isEmpty() ? 0 : e.xattrBudgetUsed - (7 + key.length + old.length);
        }
        int entrySize = 7 + key.length + value.length + (e.xattrs.isEmpty() ? 12 : 0);
        if (e.xattrBudgetUsed + entrySize > XATTR_BUDGET) {
            throw error("can't set xattr " + printable(key) + ": the inode's xattrs exceed " + XATTR_BUDGET + " bytes");
        }
        e.xattrs.put(k, value);
        e.xattrBudgetUsed += entrySize;
    }

    private Directory build() throws DumpfileException {
        // Resolve every hardlink entry to the entry that holds the data.
        for (Entry link : hardlinks) {
            lineNo = link.line;
            if (link.payload == null) {
                throw error("no target path for the hardlink");
            }
            Entry target = lookup(link.payload);
            if (target == null) {
                throw error("no target at " + printable(link.payload) + " for hardlink");
            }
            if (target == link) {
                throw error("self-referential hardlink " + printable(link.payload));
            }
            link.target = target;
        }
        for (Entry link : hardlinks) {
            lineNo = link.line;
            Entry t = link;
            int steps = 0;
            while (t.hardlink) {
                t = t.target;
                if (++steps > hardlinks.size()) {
                    throw error("hardlink cycle through " + printable(link.payload));
                }
            }
            if (t.isDir()) {
                throw error("hardlink to directory " + printable(link.payload));
            }
            link.target = t;
        }
        Directory top = (Directory) node(root);
        fill(root, top);
        return top;
    }

    /** Puts every entry's node into its directory; a worklist, so that depth is limited by memory only. */
    private void fill(Entry rootEntry, Directory rootDir) throws DumpfileException {
        ArrayDeque<Map.Entry<Entry, Directory>> todo = new ArrayDeque<>();
        todo.push(Map.entry(rootEntry, rootDir));
        while (!todo.isEmpty()) {
            Map.Entry<Entry, Directory> next = todo.pop();
            Directory dir = next.getValue();
            for (Map.Entry<byte[], Entry> c : next.getKey().children.entrySet()) {
                Entry child = c.getValue();
                if (child.hardlink) {
                    dir.addHardlink(c.getKey(), node(child.target));
                } else {
                    Node n = node(child);
                    dir.add(c.getKey(), n);
                    if (n instanceof Directory d) {
                        todo.push(Map.entry(child, d));
                    }
                }
            }
        }
    }

    private Node node(Entry e) throws DumpfileException {
        if (e.node != null) {
            return e.node;
        }
        List<Xattr> xattrs = new ArrayList<>(e.xattrs.size());
        e.xattrs.forEach((k, v) -> xattrs.add(Xattr.of(k, v)));
        Metadata m = new Metadata(e.mode & ~Node.S_IFMT, e.uid, e.gid, e.mtimeSec, e.mtimeNsec, e.nlink, xattrs);
        e.node = switch (e.mode & Node.S_IFMT) {
            case Node.S_IFDIR -> {
                Directory d = new Directory(m);
                d.setSize(e.size);
                yield d;
            }
            case Node.S_IFREG -> new RegularFile(m, e.size, e.content, e.payload == null ? null : Bytes.str(e.payload), e.digest);
            case Node.S_IFLNK -> new Symlink(m, e.payload);
            case Node.S_IFBLK -> new Device(m, true, e.rdev);
            case Node.S_IFCHR -> new Device(m, false, e.rdev);
            case Node.S_IFIFO -> new Fifo(m);
            case Node.S_IFSOCK -> new Socket(m);
            default -> throw new DumpfileException(e.line, "invalid mode " + Integer.toOctalString(e.mode));
        };
        return e.node;
    }

    private Entry lookup(byte[] path) {
        Entry cur = root;
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
            cur = cur.children.get(java.util.Arrays.copyOfRange(path, start, i));
        }
        return null;
    }

    private void mtime(byte[] data, int from, int to, Entry e) throws DumpfileException {
        int dot = indexOf(data, (byte) '.', from, to);
        if (dot < 0) {
            throw error("invalid mtime " + printable(java.util.Arrays.copyOfRange(data, from, to)) + ": expected SECONDS.NANOSECONDS");
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
            int d = Character.digit(data[i] & 0xff, radix);
            if (d < 0) {
                throw error("invalid " + what + " " + printable(java.util.Arrays.copyOfRange(data, from, to)));
            }
            long next = v * radix + d;
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L, radix)) > 0 || Long.compareUnsigned(next, v) < 0) {
                throw error(what + " out of range: " + printable(java.util.Arrays.copyOfRange(data, from, to)));
            }
            v = next;
        }
        return v;
    }

    private byte[] hexDigest(byte[] hex) throws DumpfileException {
        VerityAlgorithm alg = hex.length % 2 == 0 ? VerityAlgorithm.ofDigestSize(hex.length / 2) : null;
        if (alg == null) {
            throw error("invalid digest: expected 64 (sha256) or 128 (sha512) hex digits, got " + hex.length
                    + " characters");
        }
        byte[] raw = new byte[alg.digestSize()];
        for (int i = 0; i < raw.length; i++) {
            int hi = Character.digit(hex[2 * i] & 0xff, 16);
            int lo = Character.digit(hex[2 * i + 1] & 0xff, 16);
            if (hi < 0 || lo < 0) {
                throw error("invalid digest: not hexadecimal: " + printable(hex));
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

    private byte[] unescape(byte[] data, int from, int to, String what) throws DumpfileException {
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
                    int hi = Character.digit(data[i] & 0xff, 16);
                    int lo = Character.digit(data[i + 1] & 0xff, 16);
                    if (hi < 0 || lo < 0) {
                        throw error(what + ": invalid hex characters after hex escape");
                    }
                    out[o++] = (byte) (hi << 4 | lo);
                    i += 2;
                }
                default -> throw error(what + ": unsupported escape type " + printable(new byte[] {x}));
            }
        }
        return java.util.Arrays.copyOf(out, o);
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
