package org.cfsj.fuse;

import java.lang.foreign.MemorySegment;

/**
 * Where the {@link Dispatcher} puts the answer to the request it is handling, whatever carries it
 * back to the kernel: a writev on the /dev/fuse fd the request came from ({@link DeviceReply}) or
 * the request's io_uring entry ({@link RingReply}).
 *
 * <p>Invariants: exactly one of {@link #ok}, {@link #okWith} or {@link #error} per request that
 * takes an answer; the payload is written before that call. The request's body may share memory
 * with {@link #payload()} (io_uring entries have one buffer for both), so a handler reads all it
 * needs of the request before it writes the payload.
 */
sealed interface Reply permits DeviceReply, RingReply {
    /** Where the reply's body goes: as many bytes as the largest reply (a READ of max_read). */
    MemorySegment payload();

    /** Answers with the first {@code payloadLength} bytes of {@link #payload()}. */
    void ok(long unique, int payloadLength);

    /** Answers with {@code payloadLength} bytes of {@link #payload()} followed by {@code extra}. */
    void okWith(long unique, int payloadLength, MemorySegment extra);

    /** Answers with an error ({@code errno} positive). */
    void error(long unique, int errno);

    /** True once the connection is gone (the filesystem was unmounted or aborted). */
    boolean deviceGone();
}
