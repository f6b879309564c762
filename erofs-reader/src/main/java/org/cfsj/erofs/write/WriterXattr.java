package org.cfsj.erofs.write;

import org.cfsj.erofs.XattrEntry;

/**
 * An xattr as the writer stores it: its full name and value and the on-disk entry they make,
 * interned ({@link XattrTable}), so one object stands for every inode that carries the pair.
 * {@link LayoutPlan} counts those inodes in {@link #users} and gives a pair used more than once an
 * offset in the shared area ({@link #sharedOffset}; -1 if it has none). Whether a given inode
 * refers to it there is the inode's business ({@link WriterNode#sharedAt}).
 */
final class WriterXattr {
    final byte[] name;
    final byte[] value;
    final int hash;
    final XattrEntry entry;
    int users;
    long sharedOffset = -1;

    WriterXattr(byte[] name, byte[] value, int hash) {
        this.name = name;
        this.value = value;
        this.hash = hash;
        this.entry = XattrEntry.of(name, value);
    }

    boolean shareable() {
        return sharedOffset >= 0;
    }
}
