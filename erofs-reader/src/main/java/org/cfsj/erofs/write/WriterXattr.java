package org.cfsj.erofs.write;

import static org.cfsj.erofs.ErofsLayout.XATTR_INDEX_POSIX_ACL_ACCESS;
import static org.cfsj.erofs.ErofsLayout.XATTR_INDEX_POSIX_ACL_DEFAULT;

import java.util.List;
import org.cfsj.erofs.XattrEntry;
import org.cfsj.erofs.XattrIbody;

/**
 * An xattr as the writer stores it: its full name and value and what the layout needs of the
 * on-disk entry they make, interned ({@link XattrTable}), so one object stands for every inode that carries the pair.
 * {@link LayoutPlan} counts those inodes in {@link #users} and gives a pair used more than once an
 * offset in the shared area ({@link #sharedOffset}; -1 if it has none). Whether a given inode
 * refers to it there is the inode's business ({@link WriterNode#sharedAt}).
 */
final class WriterXattr {
    final byte[] name;
    final byte[] value;
    final int hash;
    /** {@code entry().size()}, the bytes it takes inline or in the shared area. */
    final int size;
    /** Its bit in an inode's xattr name filter (set: present; the filter on disk is inverted). */
    final int filterBit;
    /** Whether it is a POSIX ACL (a composefs header flag): its name is exactly an ACL prefix. */
    final boolean acl;
    int users;
    long sharedOffset = -1;

    WriterXattr(byte[] name, byte[] value, int hash) {
        this.name = name;
        this.value = value;
        this.hash = hash;
        // The on-disk entry is made again when written: keeping one per xattr would double the
        // objects the writer holds for a large tree.
        XattrEntry entry = entry();
        this.size = entry.size();
        this.filterBit = ~XattrIbody.nameFilter(List.of(entry));
        this.acl = entry.suffix().length == 0 && (entry.nameIndex() == XATTR_INDEX_POSIX_ACL_ACCESS
                || entry.nameIndex() == XATTR_INDEX_POSIX_ACL_DEFAULT);
    }

    /** The on-disk entry (name prefix cut off), made on each call. */
    XattrEntry entry() {
        return XattrEntry.of(name, value);
    }

    boolean shareable() {
        return sharedOffset >= 0;
    }
}
