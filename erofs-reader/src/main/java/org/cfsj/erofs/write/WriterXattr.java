package org.cfsj.erofs.write;

import org.cfsj.erofs.XattrEntry;

/**
 * An xattr of an inode being written: its full name and value, the on-disk entry they make, and
 * where the layout put it ({@link #sharedOffset} into the shared area, or -1 for inline).
 */
final class WriterXattr {
    final byte[] name;
    final byte[] value;
    final XattrEntry entry;
    long sharedOffset = -1;

    WriterXattr(byte[] name, byte[] value) {
        this.name = name;
        this.value = value;
        this.entry = XattrEntry.of(name, value);
    }

    boolean shared() {
        return sharedOffset >= 0;
    }
}
