package org.cfsj.digest;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A running hash (SHA-256 or SHA-512) that can be fed and finished any number of times: {@link
 * #digest(byte[], int)} returns the hash of everything fed since the last digest and starts over.
 * Every SHA-256 in cfsj goes through this (fs-verity blocks, blob digests, diff_ids), so that one
 * place decides how it is computed.
 *
 * <p>Two implementations: the JDK's {@link java.security.MessageDigest}, and OpenSSL's {@code
 * libcrypto.so.3} through FFM ({@link OpenSslLibrary}) for SHA-256 when it is installed and
 * passes its known-answer test. The JDK's SHA-256 is as fast as OpenSSL's (both use the CPU's
 * SHA extensions), but only once C2 has compiled it: its intrinsic exists in C2 only, so a
 * short-lived JVM hashes with interpreted or C1 code until then, and a JVM limited to C1
 * ({@code -XX:TieredStopAtLevel=1}) never gets it. OpenSSL is fast from the first byte.
 *
 * <p>Not thread-safe. {@link #close()} frees native memory at once; a context nobody closes is
 * freed after it becomes unreachable.
 */
public sealed interface HashContext extends AutoCloseable permits JdkHashContext, OpenSslHashContext {
    /** The JCA name of the algorithm: {@code SHA-256} or {@code SHA-512}. */
    String algorithm();

    /** Bytes of one hash value. */
    int digestSize();

    void update(byte[] b, int off, int len);

    default void update(byte[] b) {
        update(b, 0, b.length);
    }

    /** Consumes the buffer's remaining bytes (its position ends at its limit); heap or direct. */
    void update(ByteBuffer buf);

    /** Hashes the segment's bytes, heap or native. */
    void update(MemorySegment segment);

    /** Writes the hash of everything fed so far to {@code out[off, off + digestSize())} and starts over. */
    void digest(byte[] out, int off);

    /** The hash of everything fed so far; starts over. */
    default byte[] digest() {
        byte[] out = new byte[digestSize()];
        digest(out, 0);
        return out;
    }

    /** Frees the context; it must not be used afterwards. Idempotent. */
    @Override
    void close();

    /** "OpenSSL" or "JDK", for logs and tests. */
    String backend();

    /** A SHA-256 context from the fastest implementation available ({@link #create(String)}). */
    static HashContext sha256() {
        return create("SHA-256");
    }

    /**
     * A context for {@code algorithm} ({@code SHA-256} or {@code SHA-512}, JCA names): OpenSSL's
     * for SHA-256 when available, unless system property {@code cfsj.sha256=jdk} asks for the
     * JDK's (for comparisons); the JDK's otherwise.
     */
    static HashContext create(String algorithm) {
        if ("SHA-256".equals(algorithm) && !"jdk".equals(System.getProperty("cfsj.sha256"))
                && OpenSslLibrary.available()) {
            return new OpenSslHashContext(OpenSslLibrary.functions().orElseThrow(), algorithm);
        }
        return new JdkHashContext(algorithm);
    }
}
