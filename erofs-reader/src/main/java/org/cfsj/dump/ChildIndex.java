package org.cfsj.dump;

import java.util.Arrays;

/**
 * Every entry of a dumpfile by (parent, name): how paths are resolved, one component at a time,
 * and how a second line for the same path is found. Open addressing over one array (linear
 * probing, at most half full): a lookup hashes the name where it lies in the line's path buffer
 * and allocates nothing.
 */
final class ChildIndex {
    private DumpEntry[] slots = new DumpEntry[4096];
    private int count;

    /** The entry named {@code path[from, to)} in {@code parent}, or null. */
    DumpEntry get(DumpEntry parent, byte[] path, int from, int to) {
        int h = hash(parent.id, path, from, to);
        int mask = slots.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            DumpEntry e = slots[i];
            if (e == null) {
                return null;
            }
            if (e.nameHash == h && e.parent == parent && Arrays.equals(e.name, 0, e.name.length, path, from, to)) {
                return e;
            }
        }
    }

    /** Adds {@code e} under its parent and name; false (and nothing added) if that name is taken. */
    boolean add(DumpEntry e) {
        if (get(e.parent, e.name, 0, e.name.length) != null) {
            return false;
        }
        e.nameHash = hash(e.parent.id, e.name, 0, e.name.length);
        if (++count * 2 > slots.length) {
            grow();
        }
        put(slots, e);
        return true;
    }

    private static void put(DumpEntry[] table, DumpEntry e) {
        int mask = table.length - 1;
        int i = e.nameHash & mask;
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = e;
    }

    private void grow() {
        DumpEntry[] old = slots;
        slots = new DumpEntry[old.length * 2];
        for (DumpEntry e : old) {
            if (e != null) {
                put(slots, e);
            }
        }
    }

    private static int hash(int parentId, byte[] b, int from, int to) {
        int h = parentId * 0x9E3779B9;
        for (int i = from; i < to; i++) {
            h = 31 * h + b[i];
        }
        return h ^ (h >>> 15);
    }
}
