package org.cfsj.verity;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Direct buffers that file data is read into, reused across files and threads. Reading into a
 * heap array makes the JDK read into a temporary direct buffer of the same size and copy; and
 * allocating a fresh buffer per file costs more than hashing a small file. A few idle buffers are
 * kept; more are allocated when many threads read at once, and dropped afterwards.
 */
final class ReadBuffers {
    /** A multiple of every Merkle block size, and small enough to stay in L2 cache while hashed. */
    static final int SIZE = 256 * 1024;
    private static final ArrayBlockingQueue<ByteBuffer> IDLE =
            new ArrayBlockingQueue<>(2 * Runtime.getRuntime().availableProcessors() + 2);

    private ReadBuffers() {}

    /** A cleared buffer of {@link #SIZE} bytes; hand it back with {@link #release}. */
    static ByteBuffer acquire() {
        ByteBuffer b = IDLE.poll();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(SIZE);
    }

    static void release(ByteBuffer b) {
        IDLE.offer(b); // when full, the buffer is left to the garbage collector
    }
}
