package org.cfsj.tree;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a composefs EROFS image can hold, and the one place that checks it. The tree model
 * enforces these rules itself ({@link Directory}, {@link Symlink}, {@link Metadata} throw
 * {@link InvalidEntryException}), so no caller can build a tree the writer would turn into an
 * image that the kernel or cfsj's reader rejects or misreads; callers that read user input
 * (tar layers, dumpfiles, directories) check first with the {@code *Problem} methods so that
 * their message can name the entry and where it came from.
 *
 * <p>The limits and where they come from:
 * <ul>
 * <li>A directory entry name: 1 to {@value #NAME_MAX} bytes (EROFS_NAME_LEN; the kernel reports
 *     a longer dirent as "bogus dirent namelen"; composefs's LCFS_MAX_NAME_LENGTH), no NUL or
 *     {@code /} (a name is a C string and a path component), and not {@code .} or {@code ..}
 *     (the writer adds those itself).
 * <li>A path from the root, as a tar member or a dumpfile line names an entry: at most
 *     {@value #PATH_MAX_BYTES} bytes (PATH_MAX − 1). Neither a composefs dumpfile nor a tar
 *     extractor that works with whole paths can name a deeper entry; the bound also bounds a
 *     layer's depth (2,048 levels), and so what {@code composefs-info dump} prints per line.
 * <li>A symlink target: 1 to {@value #SYMLINK_MAX} bytes (PATH_MAX − 1: composefs refuses a
 *     longer payload, and the kernel's page_get_link cuts a link at PAGE_SIZE − 1), no NUL.
 * <li>An xattr: its name 1 to {@value #XATTR_NAME_MAX} bytes without NUL (XATTR_NAME_MAX:
 *     getxattr(2) cannot ask for a longer one), its value at most {@value #XATTR_VALUE_MAX}
 *     bytes (EROFS stores the length in 16 bits; composefs refuses more).
 * <li>One entry's xattrs: their names, each with its NUL, at most {@value #XATTR_LIST_MAX}
 *     bytes (XATTR_LIST_MAX: listxattr(2) cannot return more), names and values together at
 *     most {@value #XATTR_ENTRY_MAX} bytes (so that they fit EROFS's in-inode xattr area,
 *     whose size is a 16-bit count of 4-byte words, with room for the overlay xattrs the
 *     writer adds); names unique.
 * </ul>
 */
public final class Limits {
    public static final int NAME_MAX = 255;
    public static final int SYMLINK_MAX = 4095;
    public static final int PATH_MAX_BYTES = 4095;
    public static final int XATTR_NAME_MAX = 255;
    public static final int XATTR_VALUE_MAX = 0xffff;
    public static final int XATTR_LIST_MAX = 65536;
    public static final int XATTR_ENTRY_MAX = 128 << 10;

    /** How much of a long name or target a message shows. */
    private static final int SHOWN = 120;

    private Limits() {}

    /** Why {@code name} cannot be a directory entry, or null if it can. */
    public static String nameProblem(byte[] name) {
        if (name.length == 0) {
            return "empty file name";
        }
        if (name.length > NAME_MAX) {
            return "file name of " + name.length + " bytes is longer than " + NAME_MAX;
        }
        if (name.length <= 2 && name[0] == '.' && (name.length == 1 || name[1] == '.')) {
            return "file name \"" + Bytes.str(name) + "\" is reserved";
        }
        for (byte b : name) {
            if (b == 0) {
                return "file name contains a NUL byte";
            }
            if (b == '/') {
                return "file name contains '/'";
            }
        }
        return null;
    }

    /** Why {@code target} cannot be a symlink's target, or null if it can. */
    public static String symlinkTargetProblem(byte[] target) {
        if (target.length == 0) {
            return "empty symlink target";
        }
        if (target.length > SYMLINK_MAX) {
            return "symlink target of " + target.length + " bytes is longer than " + SYMLINK_MAX;
        }
        if (contains(target, (byte) 0)) {
            return "symlink target contains a NUL byte";
        }
        return null;
    }

    /** Why one xattr cannot be stored, or null if it can. */
    public static String xattrProblem(Xattr x) {
        byte[] name = x.nameView();
        if (name.length == 0) {
            return "xattr with an empty name";
        }
        if (name.length > XATTR_NAME_MAX) {
            return "xattr name of " + name.length + " bytes (" + show(name) + ") is longer than " + XATTR_NAME_MAX;
        }
        if (contains(name, (byte) 0)) {
            return "xattr name " + show(name) + " contains a NUL byte";
        }
        if (x.valueView().length > XATTR_VALUE_MAX) {
            return "xattr " + show(name) + " has a value of " + x.valueView().length + " bytes, more than "
                    + XATTR_VALUE_MAX;
        }
        return null;
    }

    /** Why one entry cannot carry these xattrs, or null if it can. Linear in their total size. */
    public static String xattrsProblem(List<Xattr> xattrs) {
        if (xattrs.isEmpty()) {
            return null;
        }
        long names = 0;
        long total = 0;
        for (Xattr x : xattrs) {
            String p = xattrProblem(x);
            if (p != null) {
                return p;
            }
            names += x.nameView().length + 1;
            total += x.nameView().length + x.valueView().length;
        }
        if (names > XATTR_LIST_MAX) {
            return xattrs.size() + " xattr names take " + names + " bytes, more than " + XATTR_LIST_MAX;
        }
        if (total > XATTR_ENTRY_MAX) {
            return "xattrs of " + total + " bytes (names and values), more than " + XATTR_ENTRY_MAX;
        }
        if (xattrs.size() > 1) {
            Set<String> seen = new HashSet<>();
            for (Xattr x : xattrs) {
                if (!seen.add(x.nameString())) {
                    return "xattr " + show(x.nameView()) + " is set twice";
                }
            }
        }
        return null;
    }

    /** Throws {@link InvalidEntryException} unless {@code name} can be a directory entry. */
    public static void requireName(byte[] name) {
        String p = nameProblem(name);
        if (p != null) {
            throw new InvalidEntryException(p + ": " + show(name));
        }
    }

    static void requireSymlinkTarget(byte[] target) {
        String p = symlinkTargetProblem(target);
        if (p != null) {
            throw new InvalidEntryException(p + ": " + show(target));
        }
    }

    static void requireXattrs(List<Xattr> xattrs) {
        String p = xattrsProblem(xattrs);
        if (p != null) {
            throw new InvalidEntryException(p);
        }
    }

    /**
     * Name or path bytes fit for a one-line message: non-printable bytes (NUL, newline,
     * control characters) escaped as {@code \xNN}, and cut after {@value #SHOWN} bytes.
     */
    public static String show(byte[] b) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(b.length, SHOWN);
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 || c == 0x7f || c == '\\') {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        }
        if (b.length > n) {
            sb.append("...(").append(b.length).append(" bytes)");
        }
        return sb.toString();
    }

    private static boolean contains(byte[] b, byte v) {
        for (byte x : b) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
