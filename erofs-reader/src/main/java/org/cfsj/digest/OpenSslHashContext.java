package org.cfsj.digest;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.cfsj.sys.OpenSslFunctions;

/**
 * SHA-256 on an OpenSSL {@code EVP_MD_CTX} ({@link OpenSslLibrary}). Heap arrays are hashed in
 * place (critical downcalls), so updates copy nothing and, apart from the segment wrappers,
 * allocate nothing; a context is allocated once and reinitialised after every digest.
 */
final class OpenSslHashContext implements HashContext {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int DIGEST_SIZE = 32;

    private final OpenSslFunctions lib;
    private final MemorySegment ctx;
    private final Cleaner.Cleanable freer;
    private boolean closed;

    OpenSslHashContext(OpenSslFunctions lib, String algorithm) {
        if (!"SHA-256".equals(algorithm)) {
            throw new IllegalArgumentException("OpenSSL hashing is wired up for SHA-256 only, not " + algorithm);
        }
        this.lib = lib;
        MemorySegment c;
        try {
            c = (MemorySegment) lib.ctxNew().invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("EVP_MD_CTX_new failed", t);
        }
        if (c.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("EVP_MD_CTX_new");
        }
        this.ctx = c;
        // The action must not refer to this object, or it would never become unreachable.
        this.freer = CLEANER.register(this, new Free(lib.ctxFree(), c));
        init();
    }

    private record Free(MethodHandle ctxFree, MemorySegment ctx) implements Runnable {
        @Override
        public void run() {
            try {
                ctxFree.invokeExact(ctx);
            } catch (Throwable t) {
                throw new IllegalStateException("EVP_MD_CTX_free failed", t);
            }
        }
    }

    private void init() {
        int ret;
        try {
            ret = (int) lib.init().invokeExact(ctx, lib.sha256(), MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("EVP_DigestInit_ex2 failed", t);
        }
        check(ret, "EVP_DigestInit_ex2");
    }

    @Override
    public String algorithm() {
        return "SHA-256";
    }

    @Override
    public int digestSize() {
        return DIGEST_SIZE;
    }

    @Override
    public void update(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len > 0) {
            update(MemorySegment.ofArray(b).asSlice(off, len));
        }
    }

    @Override
    public void update(ByteBuffer buf) {
        if (buf.hasRemaining()) {
            update(MemorySegment.ofBuffer(buf));
            buf.position(buf.limit());
        }
    }

    @Override
    public void update(MemorySegment segment) {
        ensureOpen();
        long size = segment.byteSize();
        for (long off = 0; off < size; off += OpenSslLibrary.MAX_CALL_BYTES) {
            long n = Math.min(size - off, OpenSslLibrary.MAX_CALL_BYTES);
            MemorySegment piece = n == size ? segment : segment.asSlice(off, n);
            int ret;
            try {
                ret = (int) lib.update().invokeExact(ctx, piece, n);
            } catch (Throwable t) {
                throw new IllegalStateException("EVP_DigestUpdate failed", t);
            } finally {
                Reference.reachabilityFence(this); // else the cleaner could free ctx during the call
            }
            check(ret, "EVP_DigestUpdate");
        }
    }

    @Override
    public void digest(byte[] out, int off) {
        Objects.checkFromIndexSize(off, DIGEST_SIZE, out.length);
        ensureOpen();
        int ret;
        try {
            ret = (int) lib.finish().invokeExact(ctx, MemorySegment.ofArray(out).asSlice(off, DIGEST_SIZE),
                    MemorySegment.NULL);
            check(ret, "EVP_DigestFinal_ex");
            init();
        } catch (Throwable t) {
            if (t instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("EVP_DigestFinal_ex failed", t);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public void close() {
        closed = true;
        freer.clean();
    }

    @Override
    public String backend() {
        return "OpenSSL";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("hash context closed");
        }
    }

    private static void check(int ret, String what) {
        if (ret != 1) {
            throw new IllegalStateException(what + " returned " + ret);
        }
    }
}
