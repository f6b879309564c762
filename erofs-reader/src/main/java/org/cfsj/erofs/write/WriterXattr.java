package org.cfsj.erofs.write;

import org.cfsj.erofs.XattrEntry;

/**
 * An xattr as the writer stores it: its full name and value and what the layout needs of the
 * on-disk entry they make, interned ({@link XattrTable}), so one object stands for every inode
 * that carries the pair. {@link LayoutPlan} counts those inodes in {@link #users} and gives a pair
 * used more than once an offset in the shared area ({@link #sharedOffset}; -1 if it has none).
 * Whether a given inode refers to it there is the inode's business ({@link WriterNode#sharedAt}).
 */
final class WriterXattr {
    final byte[] name;
    final byte[] value;
    final int hash;
    /** The bytes the on-disk entry takes, inline or in the shared area. */
    final int size;
    /** Its bit in an inode's xattr name filter (set: present; the filter on disk is inverted). */
    final int filterBit;
    /** Whether it is a POSIX ACL (a composefs header flag): its name is exactly an ACL prefix. */
    final boolean acl;
    int users;
    long sharedOffset = -1;

    WriterXattr(XattrTable.Name name, byte[] value, int hash) {
        this.name = name.bytes();
        this.value = value;
        this.hash = hash;
        this.size = XattrEntry.size(name.suffixLength(), value.length);
        this.filterBit = name.filterBit();
        this.acl = name.acl();
    }

    /**
     * The on-disk entry (name prefix cut off), made on each call: only the emitter needs it, once
     * per entry written, and keeping one per xattr would double what the writer holds.
     */
    XattrEntry entry() {
        return XattrEntry.of(name, value);
    }

    boolean shareable() {
        return sharedOffset >= 0;
    }
}
