package org.cfsj.oci.layer;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.Optional;
import org.cfsj.posix.OptionalLibrary;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipException;

/**
 * Intel ISA-L's inflate ({@code libisal.so.2}, Debian package {@code libisal2}) through FFM, when
 * it is installed: its decoder does 2-3x zlib's speed, and decompression is the largest single
 * cost of a pull. Only the runtime library is needed; the layout of {@code struct inflate_state}
 * below is written down from {@code isa-l/igzip_lib.h} of ISA-L 2.30 (checked with {@code
 * offsetof}), which the soname keeps stable: callers allocate that struct themselves. A decode of
 * a known stream when the library is loaded guards against a library that disagrees; anything
 * wrong makes cfsj use the JDK's zlib instead (one debug log line), never an error.
 */
final class IsalLibrary {
    private static final System.Logger LOG = System.getLogger(IsalLibrary.class.getName());

    /** {@code sizeof(struct inflate_state)}. */
    static final long STATE_SIZE = 87_368;
    static final long STATE_ALIGN = 8;
    // offsetof(struct inflate_state, ...)
    static final long NEXT_OUT = 0;
    static final long AVAIL_OUT = 8;
    static final long NEXT_IN = 16;
    static final long AVAIL_IN = 32;
    /** Bits in the read-ahead buffer ({@code read_in}, at offset 24). */
    static final long READ_IN_LENGTH = 36;
    static final long BLOCK_STATE = 21_160;
    static final long CRC_FLAG = 21_172;
    static final long CRC = 21_176;

    /** {@code enum isal_block_state}: the last block decoded and all its output flushed. */
    static final int ISAL_BLOCK_FINISH = 5;
    /** {@code crc_flag}: raw deflate, keep the gzip CRC-32 of the output in {@code crc}. */
    static final int ISAL_GZIP_NO_HDR = 2;

    /** The three functions cfsj calls, all taking a {@code struct inflate_state *}. */
    record Functions(MethodHandle inflateInit, MethodHandle inflateReset, MethodHandle inflate) {}

    private IsalLibrary() {}

    /** The library's functions, if it is installed and works; looked up once. */
    static Optional<Functions> functions() {
        return Holder.FUNCTIONS;
    }

    static boolean available() {
        return Holder.FUNCTIONS.isPresent();
    }

    private static final class Holder {
        static final Optional<Functions> FUNCTIONS = OptionalLibrary.load("libisal.so.2",
                "gzip through the JDK's zlib", LOG, IsalLibrary::bind, IsalLibrary::selfTest);
    }

    private static Functions bind(Linker linker, SymbolLookup lib) {
        FunctionDescriptor voidOfState = FunctionDescriptor.ofVoid(ADDRESS);
        return new Functions(
                linker.downcallHandle(lib.find("isal_inflate_init").orElseThrow(), voidOfState),
                linker.downcallHandle(lib.find("isal_inflate_reset").orElseThrow(), voidOfState),
                linker.downcallHandle(lib.find("isal_inflate").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ADDRESS)));
    }

    /**
     * Decodes a deflate stream made by the JDK (several blocks, some of them stored) in small
     * pieces and compares output, CRC-32 and the bytes left over; null if all agree.
     */
    private static String selfTest(Functions f) {
        byte[] data = new byte[200_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 251 < 120 ? 'a' + (i * 7 % 13) : i * 31 + (i >> 9));
        }
        byte[] tail = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        Deflater deflater = new Deflater(6, true);
        byte[] stream = new byte[data.length * 2];
        int len;
        try {
            deflater.setInput(data);
            deflater.finish();
            len = deflater.deflate(stream);
        } finally {
            deflater.end();
        }
        System.arraycopy(tail, 0, stream, len, tail.length);
        byte[] out = new byte[data.length + 1];
        int got = 0;
        try (IsalDeflateDecoder d = new IsalDeflateDecoder(f)) {
            d.startMember();
            int fed = 0;
            int total = len + tail.length;
            while (!d.finished()) {
                if (d.needsInput()) {
                    if (fed == total) {
                        return "wants more input than the stream has";
                    }
                    int n = Math.min(1000, total - fed);
                    d.setInput(stream, fed, n);
                    fed += n;
                }
                got += d.inflate(out, got, out.length - got);
            }
            CRC32 crc = new CRC32();
            crc.update(data);
            if (got != data.length || !Arrays.equals(data, 0, data.length, out, 0, got)) {
                return "wrong output";
            }
            if (d.crc() != crc.getValue()) {
                return "wrong CRC-32";
            }
            if (fed - d.remaining() != len) {
                return "wrong end of stream";
            }
        } catch (ZipException | RuntimeException e) {
            return e.toString();
        }
        return null;
    }
}
