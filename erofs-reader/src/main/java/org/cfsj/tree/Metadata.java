package org.cfsj.tree;

import java.util.List;

/**
 * The stat fields every inode kind carries.
 *
 * @param permissions the non-type bits of st_mode: normally within 07777, but a dumpfile may carry
 *                    stray higher bits, which composefs keeps in memory and truncates to 16 bits
 *                    on disk, so the model keeps them too
 * @param nlink       st_nlink as recorded by the source (dumpfile, image, tar); for directories
 *                    the writer recomputes it (2 + number of subdirectories), as composefs does
 * @param xattrs      extended attributes in the order the source gave them; names are unique, and
 *                    the set is one an image can hold ({@link Limits#xattrsProblem}; else
 *                    {@link InvalidEntryException})
 */
public record Metadata(int permissions, int uid, int gid, long mtimeSec, int mtimeNsec, int nlink, List<Xattr> xattrs) {
    public Metadata {
        if ((permissions & Node.S_IFMT) != 0) {
            throw new IllegalArgumentException("permission bits out of range: " + Integer.toOctalString(permissions));
        }
        xattrs = List.copyOf(xattrs);
        Limits.requireXattrs(xattrs);
    }

    public Metadata withXattrs(List<Xattr> newXattrs) {
        return new Metadata(permissions, uid, gid, mtimeSec, mtimeNsec, nlink, newXattrs);
    }

    public Metadata withNlink(int newNlink) {
        return new Metadata(permissions, uid, gid, mtimeSec, mtimeNsec, newNlink, xattrs);
    }

    /** Value of the xattr with this exact name, or null. */
    public byte[] xattr(String name) {
        byte[] key = Bytes.of(name);
        for (Xattr x : xattrs) {
            if (java.util.Arrays.equals(x.name(), key)) {
                return x.value();
            }
        }
        return null;
    }
}
