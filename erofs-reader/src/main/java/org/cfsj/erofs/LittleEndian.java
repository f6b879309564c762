package org.cfsj.erofs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Unaligned little-endian access to image bytes, the byte order of every EROFS integer. Callers
 * check ranges first: an access out of the segment is a bug here, not bad input, so it throws
 * {@link IndexOutOfBoundsException} rather than {@link ErofsFormatException}.
 */
final class LittleEndian {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {}

    static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    static int u16(MemorySegment s, long off) {
        return s.get(LE16, off) & 0xFFFF;
    }

    static long u32(MemorySegment s, long off) {
        return Integer.toUnsignedLong(s.get(LE32, off));
    }

    static long u64(MemorySegment s, long off) {
        return s.get(LE64, off);
    }

    static byte[] bytes(MemorySegment s, long off, int len) {
        byte[] out = new byte[len];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, off, out, 0, len);
        return out;
    }

    static void put8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    static void put16(MemorySegment s, long off, long v) {
        s.set(LE16, off, (short) v);
    }

    static void put32(MemorySegment s, long off, long v) {
        s.set(LE32, off, (int) v);
    }

    static void put64(MemorySegment s, long off, long v) {
        s.set(LE64, off, v);
    }

    static void putBytes(MemorySegment s, long off, byte[] b) {
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, off, b.length);
    }
}
