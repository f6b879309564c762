package org.cfsj.oci.layer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.zip.ZipException;
import org.cfsj.sys.IsalFunctions;

/**
 * Raw deflate on ISA-L's {@code isal_inflate} ({@link IsalLibrary}). The state and both buffers
 * are native (ISA-L keeps pointers into them between calls, which heap arrays cannot give):
 * input is copied in, output copied out; the two copies cost a small fraction of what ISA-L saves
 * over zlib.
 *
 * <p>The memory belongs to an automatic arena: it is freed when the decoder is unreachable, so a
 * stream nobody closed does not leak, and {@link #close()} never races a decode on another thread.
 */
final class IsalDeflateDecoder implements DeflateDecoder {
    /** Output per {@code isal_inflate} call: big enough that the call overhead does not matter. */
    private static final int OUT_CAPACITY = 1 << 18;
    /** Slack after the input: ISA-L's decoder may load a whole word near the end of its input. */
    private static final int IN_SLACK = 64;

    private final IsalFunctions lib;
    private final MemorySegment state;
    private final MemorySegment in;
    private final MemorySegment out;
    private boolean stalled;
    private boolean closed;

    IsalDeflateDecoder(IsalFunctions lib) {
        this.lib = Objects.requireNonNull(lib);
        Arena arena = Arena.ofAuto();
        state = arena.allocate(IsalFunctions.STATE_SIZE, IsalFunctions.STATE_ALIGN);
        in = arena.allocate(INPUT_WINDOW + IN_SLACK, 64);
        out = arena.allocate(OUT_CAPACITY, 64);
        call(lib.inflateInit());
    }

    IsalDeflateDecoder() {
        this(IsalLibrary.functions().orElseThrow(() -> new IllegalStateException("ISA-L is not available")));
    }

    @Override
    public void startMember() {
        ensureOpen();
        call(lib.inflateReset());
        state.set(JAVA_INT, IsalFunctions.CRC_FLAG, IsalFunctions.ISAL_GZIP_NO_HDR);
        state.set(ADDRESS, IsalFunctions.NEXT_IN, in);
        state.set(JAVA_INT, IsalFunctions.AVAIL_IN, 0);
        stalled = false;
    }

    @Override
    public void setInput(byte[] buf, int off, int len) {
        ensureOpen();
        Objects.checkFromIndexSize(off, len, buf.length);
        // The history goes along: bytes ISA-L gives back at the end of a member may precede `off`.
        int history = Math.min(HISTORY, off);
        if (history + len > INPUT_WINDOW) {
            throw new IllegalArgumentException("input spans more than " + INPUT_WINDOW + " bytes");
        }
        MemorySegment.copy(buf, off - history, in, JAVA_BYTE, 0, history + len);
        state.set(ADDRESS, IsalFunctions.NEXT_IN, in.asSlice(history));
        state.set(JAVA_INT, IsalFunctions.AVAIL_IN, len);
        stalled = false;
    }

    @Override
    public int inflate(byte[] b, int off, int len) throws ZipException {
        ensureOpen();
        Objects.checkFromIndexSize(off, len, b.length);
        int want = Math.min(len, OUT_CAPACITY);
        int availInBefore = availIn();
        state.set(ADDRESS, IsalFunctions.NEXT_OUT, out);
        state.set(JAVA_INT, IsalFunctions.AVAIL_OUT, want);
        int ret;
        try {
            ret = (int) lib.inflate().invokeExact(state);
        } catch (Throwable t) {
            throw new IllegalStateException("isal_inflate call failed", t);
        }
        if (ret < 0) {
            throw new ZipException("corrupt gzip data: " + describe(ret));
        }
        int n = want - state.get(JAVA_INT, IsalFunctions.AVAIL_OUT);
        MemorySegment.copy(out, JAVA_BYTE, 0, b, off, n);
        // ISA-L may keep a few input bytes back until more arrive (it decodes with look-ahead):
        // a call that used nothing and made nothing needs more input, whatever avail_in says.
        stalled = n == 0 && availIn() == availInBefore && !finished();
        return n;
    }

    @Override
    public boolean finished() {
        return state.get(JAVA_INT, IsalFunctions.BLOCK_STATE) == IsalFunctions.ISAL_BLOCK_FINISH;
    }

    @Override
    public boolean needsInput() {
        return !finished() && (availIn() == 0 || stalled);
    }

    /**
     * Unused input. At the end of a member this includes the whole bytes still in ISA-L's bit
     * buffer: up to 8 bytes it read ahead past the deflate data, which ISA-L 2.30 does not give
     * back (later versions do, and leave the bit buffer empty, so the sum is right for both).
     */
    @Override
    public int remaining() {
        int avail = availIn();
        return finished() ? avail + state.get(JAVA_INT, IsalFunctions.READ_IN_LENGTH) / 8 : avail;
    }

    private int availIn() {
        return state.get(JAVA_INT, IsalFunctions.AVAIL_IN);
    }

    @Override
    public long crc() {
        return Integer.toUnsignedLong(state.get(JAVA_INT, IsalFunctions.CRC));
    }

    @Override
    public void close() {
        closed = true; // the arena frees the memory once this object is unreachable
    }

    @Override
    public String backend() {
        return "ISA-L";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("decoder closed");
        }
    }

    private void call(java.lang.invoke.MethodHandle fn) {
        try {
            fn.invokeExact(state);
        } catch (Throwable t) {
            throw new IllegalStateException("ISA-L call failed", t);
        }
    }

    /** The {@code isal_inflate} error codes of {@code igzip_lib.h}. */
    private static String describe(int ret) {
        return switch (ret) {
            case -1 -> "invalid deflate block";
            case -2 -> "invalid deflate symbol";
            case -3 -> "invalid back-reference distance";
            case -4 -> "invalid wrapper";
            case -5 -> "unsupported compression method";
            case -6 -> "checksum mismatch";
            default -> "ISA-L error " + ret;
        };
    }
}
