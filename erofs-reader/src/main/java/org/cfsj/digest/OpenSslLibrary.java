package org.cfsj.digest;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.cfsj.posix.OptionalLibrary;

/**
 * OpenSSL's SHA-256 ({@code libcrypto.so.3}, Debian package {@code libssl3}) through FFM's EVP
 * API, when it is installed. A known-answer test when the library is loaded guards against one
 * that disagrees; anything wrong makes cfsj use the JDK's SHA-256 instead (one debug log line),
 * never an error.
 *
 * <p>The digest is fetched once ({@code EVP_MD_fetch}) rather than named per use with {@code
 * EVP_sha256()}: OpenSSL 3 looks a legacy {@code EVP_MD} up in its provider tables on every
 * {@code EVP_DigestInit_ex}, and fs-verity initialises a context per 4 KiB block.
 *
 * <p>Init, update and final are linked as critical functions ({@link Linker.Option#critical}):
 * short calls that never call back into Java, so they skip the thread-state transition of a
 * normal downcall, and may read and write heap arrays in place instead of copying them to native
 * memory. While one runs, the JVM cannot reach a safepoint, so callers feed at most {@link
 * #MAX_CALL_BYTES} per call.
 */
final class OpenSslLibrary {
    private static final System.Logger LOG = System.getLogger(OpenSslLibrary.class.getName());

    /** Bytes hashed per call at most: ~0.5 ms at SHA-NI speed, the longest a safepoint waits. */
    static final int MAX_CALL_BYTES = 1 << 20;

    /**
     * The functions cfsj calls, and the fetched SHA-256 ({@code EVP_MD *}, kept for the life of
     * the JVM).
     */
    record Functions(MethodHandle ctxNew, MethodHandle ctxFree, MethodHandle init, MethodHandle update,
            MethodHandle finish, MemorySegment sha256) {}

    private OpenSslLibrary() {}

    /** The library's functions, if it is installed and works; looked up once. */
    static Optional<Functions> functions() {
        return Holder.FUNCTIONS;
    }

    static boolean available() {
        return Holder.FUNCTIONS.isPresent();
    }

    private static final class Holder {
        static final Optional<Functions> FUNCTIONS = OptionalLibrary.load("libcrypto.so.3",
                "SHA-256 through the JDK", LOG, OpenSslLibrary::bind, OpenSslLibrary::selfTest);
    }

    private static Functions bind(Linker linker, SymbolLookup lib) {
        Linker.Option critical = Linker.Option.critical(true);
        MethodHandle fetch = linker.downcallHandle(lib.find("EVP_MD_fetch").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        MemorySegment sha256;
        try {
            sha256 = (MemorySegment) fetch.invokeExact(MemorySegment.NULL,
                    Arena.global().allocateFrom("SHA256"), MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("EVP_MD_fetch failed", t);
        }
        if (sha256.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("EVP_MD_fetch found no SHA256");
        }
        return new Functions(
                linker.downcallHandle(lib.find("EVP_MD_CTX_new").orElseThrow(), FunctionDescriptor.of(ADDRESS)),
                linker.downcallHandle(lib.find("EVP_MD_CTX_free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS)),
                linker.downcallHandle(lib.find("EVP_DigestInit_ex2").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical),
                linker.downcallHandle(lib.find("EVP_DigestUpdate").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), critical),
                linker.downcallHandle(lib.find("EVP_DigestFinal_ex").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical),
                sha256);
    }

    /**
     * FIPS 180-2's "abc", then 1 MiB + 1 of a pattern fed in uneven pieces from an array, a heap
     * buffer, a direct buffer and native memory, compared with the JDK; null if all agree.
     */
    private static String selfTest(Functions f) {
        byte[] abc = HexFormat.of().parseHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        byte[] data = new byte[(1 << 20) + 1];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + (i >> 11));
        }
        try (OpenSslHashContext ctx = new OpenSslHashContext(f, "SHA-256"); Arena arena = Arena.ofConfined()) {
            ctx.update("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            if (!Arrays.equals(ctx.digest(), abc)) {
                return "wrong hash of \"abc\"";
            }
            int a = 1000;
            int b = 300_001;
            int c = 700_000;
            ctx.update(data, 0, a);
            ctx.update(ByteBuffer.wrap(data, a, b - a));
            ByteBuffer direct = ByteBuffer.allocateDirect(c - b);
            direct.put(data, b, c - b).flip();
            ctx.update(direct);
            MemorySegment rest = arena.allocate(data.length - c);
            MemorySegment.copy(MemorySegment.ofArray(data), c, rest, 0, data.length - c);
            ctx.update(rest);
            byte[] out = new byte[40];
            ctx.digest(out, 3);
            if (!Arrays.equals(out, 3, 35, MessageDigest.getInstance("SHA-256").digest(data), 0, 32)) {
                return "wrong hash of 1 MiB";
            }
        } catch (RuntimeException | NoSuchAlgorithmException e) {
            return e.toString();
        }
        return null;
    }
}
