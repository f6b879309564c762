package org.cfsj.digest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.cfsj.sys.OpenSslFunctions;

/**
 * OpenSSL's SHA-256 ({@code libcrypto.so.3}) when it is installed, bound by
 * {@link OpenSslFunctions}. A known-answer test when the library is loaded guards against one
 * that disagrees; anything wrong makes cfsj use the JDK's SHA-256 instead (one debug log line),
 * never an error.
 *
 * <p>The digest functions are linked as critical functions: while one runs, the JVM cannot reach
 * a safepoint, so callers feed at most {@link #MAX_CALL_BYTES} per call.
 */
final class OpenSslLibrary {
    private static final System.Logger LOG = System.getLogger(OpenSslLibrary.class.getName());

    /** Bytes hashed per call at most: ~0.5 ms at SHA-NI speed, the longest a safepoint waits. */
    static final int MAX_CALL_BYTES = 1 << 20;

    private OpenSslLibrary() {}

    /** The library's functions, if it is installed and works; looked up once. */
    static Optional<OpenSslFunctions> functions() {
        return Holder.FUNCTIONS;
    }

    static boolean available() {
        return Holder.FUNCTIONS.isPresent();
    }

    private static final class Holder {
        static final Optional<OpenSslFunctions> FUNCTIONS = OpenSslFunctions.load(LOG, OpenSslLibrary::selfTest);
    }

    /**
     * FIPS 180-2's "abc", then 1 MiB + 1 of a pattern fed in uneven pieces from an array, a heap
     * buffer, a direct buffer and native memory, compared with the JDK; null if all agree.
     */
    private static String selfTest(OpenSslFunctions f) {
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
