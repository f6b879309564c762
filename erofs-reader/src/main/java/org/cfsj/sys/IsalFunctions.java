package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.function.Function;

/**
 * Intel ISA-L's inflate ({@code libisal.so.2}, Debian package {@code libisal2}), bound when it is
 * installed, and the layout of the {@code struct inflate_state} its callers allocate themselves.
 * The decoder that drives it lives with the layer code ({@code org.cfsj.oci.layer}).
 *
 * <p>The layout is written down from {@code isa-l/igzip_lib.h} of ISA-L 2.30 (checked with
 * {@code offsetof}), which the soname keeps stable; only the runtime library is needed.
 *
 * @param inflateInit {@code void isal_inflate_init(struct inflate_state *)}
 * @param inflateReset {@code void isal_inflate_reset(struct inflate_state *)}
 * @param inflate {@code int isal_inflate(struct inflate_state *)}
 */
public record IsalFunctions(MethodHandle inflateInit, MethodHandle inflateReset, MethodHandle inflate) {
    /** {@code sizeof(struct inflate_state)}. */
    public static final long STATE_SIZE = 87_368;
    public static final long STATE_ALIGN = 8;
    // offsetof(struct inflate_state, ...)
    public static final long NEXT_OUT = 0;
    public static final long AVAIL_OUT = 8;
    public static final long NEXT_IN = 16;
    public static final long AVAIL_IN = 32;
    /** Bits in the read-ahead buffer ({@code read_in}, at offset 24). */
    public static final long READ_IN_LENGTH = 36;
    public static final long BLOCK_STATE = 21_160;
    public static final long CRC_FLAG = 21_172;
    public static final long CRC = 21_176;

    /** {@code enum isal_block_state}: the last block decoded and all its output flushed. */
    public static final int ISAL_BLOCK_FINISH = 5;
    /** {@code crc_flag}: raw deflate, keep the gzip CRC-32 of the output in {@code crc}. */
    public static final int ISAL_GZIP_NO_HDR = 2;

    /**
     * The functions, if the library is installed, binds and passes {@code selfTest} (null when the
     * bound functions give the known answers); else empty, with one debug line on {@code log}.
     */
    public static Optional<IsalFunctions> load(System.Logger log, Function<IsalFunctions, String> selfTest) {
        return OptionalLibrary.load("libisal.so.2", "gzip through the JDK's zlib", log, IsalFunctions::bind, selfTest);
    }

    private static IsalFunctions bind(Linker linker, SymbolLookup lib) {
        FunctionDescriptor voidOfState = FunctionDescriptor.ofVoid(ADDRESS);
        return new IsalFunctions(
                linker.downcallHandle(lib.find("isal_inflate_init").orElseThrow(), voidOfState),
                linker.downcallHandle(lib.find("isal_inflate_reset").orElseThrow(), voidOfState),
                linker.downcallHandle(lib.find("isal_inflate").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ADDRESS)));
    }
}
