package org.cfsj.erofs.write;

import java.util.Arrays;

/**
 * Interns xattrs by name and value: the same pair is always the same {@link WriterXattr}. Open
 * addressing over one array (linear probing, at most half full), so a lookup allocates nothing
 * and a new pair costs one object.
 */
final class XattrTable {
    private WriterXattr[] slots = new WriterXattr[1024];
    /** The hash of each slot's xattr, so that a probe reads no object it does not match. */
    private int[] hashes = new int[1024];
    private int count;

    WriterXattr intern(byte[] name, byte[] value) {
        int h = hash(name, value);
        int mask = slots.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            WriterXattr x = slots[i];
            if (x == null) {
                x = new WriterXattr(name, value, h);
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

    private static int hash(byte[] name, byte[] value) {
        int h = Arrays.hashCode(name) * 31 + Arrays.hashCode(value);
        return h ^ (h >>> 16);
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
