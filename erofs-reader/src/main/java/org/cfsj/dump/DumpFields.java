package org.cfsj.dump;

import java.util.Arrays;
import java.util.HashMap;
import org.cfsj.tree.Bytes;

/**
 * The fields of the dumpfile line being parsed, after the checks: one instance, reused for every
 * line ({@link #clear}). The arrays it refers to are the line's own, except the xattr arrays,
 * whose first {@link #xattrCount} slots are (once {@link #compactXattrs} ran): a
 * {@link DumpSink} copies out what it keeps.
 *
 * <p>While a line's xattrs are read, a repeated name leaves its earlier slot empty (the value
 * moves to the end, as a re-put into an insertion-ordered map would); names are found by a scan
 * among a few and through a map among many, so that a hostile line of thousands of xattrs costs
 * linear time.
 */
final class DumpFields {
    long size;
    int nlink;
    int uid;
    int gid;
    long rdev;
    long mtimeSec;
    int mtimeNsec;
    /** A regular file's backing path or a symlink's target, or null. */
    byte[] payload;
    /** A regular file's inline content, or null (never empty). */
    byte[] content;
    /** An fs-verity digest (raw), or null. */
    byte[] digest;
    byte[][] xattrNames = new byte[4][];
    byte[][] xattrValues = new byte[4][];
    /** Live xattrs of the line. */
    int xattrCount;
    /** The line's xattr budget used so far (C composefs's accounting; the parser checks it). */
    int xattrBudgetUsed;
    /** Slots used, empty ones included. */
    private int xattrSlots;
    /** Slot by name, once there are more than {@link #SCAN_MAX}. */
    private HashMap<String, Integer> xattrIndex;

    private static final int SCAN_MAX = 16;

    void clear() {
        payload = null;
        content = null;
        digest = null;
        xattrCount = 0;
        xattrBudgetUsed = 0;
        xattrSlots = 0;
        xattrIndex = null;
    }

    /** The slot of {@code key} among the line's xattrs, or -1. */
    int findXattr(byte[] key) {
        if (xattrIndex == null) {
            for (int i = 0; i < xattrSlots; i++) {
                if (Arrays.equals(xattrNames[i], key)) {
                    return i;
                }
            }
            return -1;
        }
        Integer i = xattrIndex.get(Bytes.str(key));
        return i == null ? -1 : i;
    }

    /** Empties a slot (its name is set again). */
    void removeXattr(int slot) {
        if (xattrIndex != null) {
            xattrIndex.remove(Bytes.str(xattrNames[slot]));
        }
        xattrNames[slot] = null;
        xattrValues[slot] = null;
        xattrCount--;
    }

    /** Adds an xattr whose name the line does not have (any more). */
    void putXattr(byte[] key, byte[] value) {
        if (xattrSlots == xattrNames.length) {
            int cap = Math.max(2, xattrSlots * 2);
            xattrNames = Arrays.copyOf(xattrNames, cap);
            xattrValues = Arrays.copyOf(xattrValues, cap);
        }
        xattrNames[xattrSlots] = key;
        xattrValues[xattrSlots] = value;
        if (xattrIndex != null) {
            xattrIndex.put(Bytes.str(key), xattrSlots);
        } else if (xattrSlots >= SCAN_MAX) {
            xattrIndex = new HashMap<>();
            for (int i = 0; i <= xattrSlots; i++) {
                if (xattrNames[i] != null) {
                    xattrIndex.put(Bytes.str(xattrNames[i]), i);
                }
            }
        }
        xattrSlots++;
        xattrCount++;
    }

    /** Closes the slots that repeated names left empty, keeping the order. */
    void compactXattrs() {
        if (xattrSlots != xattrCount) {
            int k = 0;
            for (int i = 0; i < xattrSlots; i++) {
                if (xattrNames[i] != null) {
                    xattrNames[k] = xattrNames[i];
                    xattrValues[k] = xattrValues[i];
                    k++;
                }
            }
            Arrays.fill(xattrNames, k, xattrSlots, null);
            Arrays.fill(xattrValues, k, xattrSlots, null);
            xattrSlots = k;
        }
        xattrIndex = null;
    }
}
