package org.cfsj.erofs.write;

import static org.cfsj.erofs.ErofsLayout.XATTR_INDEX_POSIX_ACL_ACCESS;
import static org.cfsj.erofs.ErofsLayout.XATTR_INDEX_POSIX_ACL_DEFAULT;

import java.util.Arrays;
import java.util.List;
import org.cfsj.erofs.XattrEntry;
import org.cfsj.erofs.XattrIbody;

/**
 * Interns xattrs by name and value: the same pair is always the same {@link WriterXattr}, and
 * the same name always the same {@link Name} (a tree has few distinct names, each used by many
 * inodes). Open addressing over arrays (linear probing, at most half full), so a lookup allocates
 * nothing and a new pair costs one object.
 */
final class XattrTable {
    /**
     * What the layout needs of an xattr name: the name (one array for all its xattrs), the
     * on-disk entry's name length (the prefix composefs cuts off gone), its bit in an inode's
     * name filter (set: present; the filter on disk is inverted) and whether it is a POSIX ACL.
     */
    record Name(byte[] bytes, int hash, int suffixLength, int filterBit, boolean acl) {
        static Name of(byte[] bytes, int hash) {
            XattrEntry e = XattrEntry.of(bytes, new byte[0]);
            boolean acl = e.suffix().length == 0 && (e.nameIndex() == XATTR_INDEX_POSIX_ACL_ACCESS
                    || e.nameIndex() == XATTR_INDEX_POSIX_ACL_DEFAULT);
            return new Name(bytes, hash, e.suffix().length, ~XattrIbody.nameFilter(List.of(e)), acl);
        }
    }

    private WriterXattr[] slots = new WriterXattr[1024];
    /** The hash of each slot's xattr, so that a probe reads no object it does not match. */
    private int[] hashes = new int[1024];
    private int count;
    private Name[] names = new Name[64];
    private int nameCount;

    WriterXattr intern(byte[] name, byte[] value) {
        int nameHash = Arrays.hashCode(name);
        int h = nameHash * 31 + Arrays.hashCode(value);
        h ^= h >>> 16;
        int mask = slots.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            WriterXattr x = slots[i];
            if (x == null) {
                x = new WriterXattr(name(name, nameHash), value, h);
                slots[i] = x;
                hashes[i] = h;
                if (++count * 2 > slots.length) {
                    grow();
                }
                return x;
            }
            if (hashes[i] == h && Arrays.equals(x.name, name) && Arrays.equals(x.value, value)) {
                return x;
            }
        }
    }

    private Name name(byte[] bytes, int hash) {
        int mask = names.length - 1;
        int i = (hash ^ (hash >>> 16)) & mask;
        for (; names[i] != null; i = (i + 1) & mask) {
            if (names[i].hash() == hash && Arrays.equals(names[i].bytes(), bytes)) {
                return names[i];
            }
        }
        Name n = Name.of(bytes, hash);
        names[i] = n;
        if (++nameCount * 2 > names.length) {
            Name[] old = names;
            names = new Name[old.length * 2];
            int m = names.length - 1;
            for (Name o : old) {
                if (o != null) {
                    int j = (o.hash() ^ (o.hash() >>> 16)) & m;
                    while (names[j] != null) {
                        j = (j + 1) & m;
                    }
                    names[j] = o;
                }
            }
        }
        return n;
    }

    private void grow() {
        WriterXattr[] old = slots;
        slots = new WriterXattr[old.length * 2];
        hashes = new int[slots.length];
        int mask = slots.length - 1;
        for (WriterXattr x : old) {
            if (x != null) {
                int i = x.hash & mask;
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = x;
                hashes[i] = x.hash;
            }
        }
    }
}
