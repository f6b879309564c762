package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance through raw system calls ({@code io_uring_setup}, {@code io_uring_enter},
 * {@code mmap} of the rings; no liburing): a submission queue of {@code IORING_OP_URING_CMD}
 * entries and the completion queue they report to. Only what a driver command protocol needs
 * (FUSE over io_uring): queue a command, submit, wait, read completions.
 *
 * <p>Invariants: one thread owns an instance (the kernel runs a command's completion work in the
 * task that submitted it, so that task must be the one that waits); the submission ring's index
 * array is the identity, set once, so slot {@code tail & mask} is the entry; entries are zeroed
 * before they are filled; the tail is published with release semantics after the entry is
 * written, and completions are read after an acquire of the completion tail, before the head is
 * released. The mappings and the ring fd end with {@link #close()}.
 */
public final class IoUring implements AutoCloseable {
    public static final long SYS_IO_URING_SETUP = 425;
    public static final long SYS_IO_URING_ENTER = 426;
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_FEAT_SINGLE_MMAP = 1 << 0;
    public static final int IORING_ENTER_GETEVENTS = 1 << 0;
    public static final int IORING_OP_URING_CMD = 46;
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    // struct io_uring_params and its io_sqring_offsets / io_cqring_offsets
    static final long PARAMS_SIZE = 120;
    static final long PARAMS_SQ_ENTRIES_OFFSET = 0;
    static final long PARAMS_CQ_ENTRIES_OFFSET = 4;
    static final long PARAMS_FLAGS_OFFSET = 8;
    static final long PARAMS_FEATURES_OFFSET = 20;
    static final long SQ_HEAD_OFFSET = 40;
    static final long SQ_TAIL_OFFSET = 44;
    static final long SQ_RING_MASK_OFFSET = 48;
    static final long SQ_ARRAY_OFFSET = 64;
    static final long CQ_HEAD_OFFSET = 80;
    static final long CQ_TAIL_OFFSET = 84;
    static final long CQ_RING_MASK_OFFSET = 88;
    static final long CQ_CQES_OFFSET = 100;
    // struct io_uring_sqe (64 bytes, 128 with IORING_SETUP_SQE128) and struct io_uring_cqe (16 bytes)
    static final long SQE_SIZE = 64;
    static final long SQE_OPCODE_OFFSET = 0;
    static final long SQE_FD_OFFSET = 4;
    static final long SQE_CMD_OP_OFFSET = 8;
    static final long SQE_ADDR_OFFSET = 16;
    static final long SQE_LEN_OFFSET = 24;
    static final long SQE_USER_DATA_OFFSET = 32;
    static final long SQE_CMD_OFFSET = 48;
    static final long CQE_SIZE = 16;
    static final long CQE_USER_DATA_OFFSET = 0;
    static final long CQE_RES_OFFSET = 8;
    static final long CQE_FLAGS_OFFSET = 12;

    private static final VarHandle INT_AT = JAVA_INT.varHandle();

    private static final MethodHandle SETUP = Native.variadicWithErrno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), 1);
    private static final MethodHandle ENTER = Native.variadicWithErrno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), 1);

    private final int fd;
    private final Arena arena;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqeSize;
    private final int sqMask;
    private final int sqEntries;
    private final int cqMask;
    private final long sqHead;
    private final long sqTail;
    private final long cqHead;
    private final long cqTail;
    private final long cqes;
    private int tail; // our copy of the submission tail: entries queued so far
    private boolean closed;

    private IoUring(int fd, Arena arena, MemorySegment params, MemorySegment sqRing, MemorySegment cqRing,
            MemorySegment sqes, long sqeSize) {
        this.fd = fd;
        this.arena = arena;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sqeSize = sqeSize;
        this.sqEntries = params.get(JAVA_INT, PARAMS_SQ_ENTRIES_OFFSET);
        this.sqHead = params.get(JAVA_INT, SQ_HEAD_OFFSET);
        this.sqTail = params.get(JAVA_INT, SQ_TAIL_OFFSET);
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, SQ_RING_MASK_OFFSET));
        this.cqHead = params.get(JAVA_INT, CQ_HEAD_OFFSET);
        this.cqTail = params.get(JAVA_INT, CQ_TAIL_OFFSET);
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, CQ_RING_MASK_OFFSET));
        this.cqes = params.get(JAVA_INT, CQ_CQES_OFFSET);
        long array = params.get(JAVA_INT, SQ_ARRAY_OFFSET);
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, array + 4L * i, i);
        }
        this.tail = (int) INT_AT.getAcquire(sqRing, sqTail);
    }

    /**
     * A new ring of {@code entries} submission entries (rounded up to a power of two by the
     * kernel) and twice as many completion entries, with 128-byte entries if {@code sqe128}.
     * Fails with the kernel's errno: ENOSYS without io_uring, EPERM where
     * {@code kernel.io_uring_disabled} forbids it.
     */
    public static IoUring open(int entries, boolean sqe128) throws SysException {
        if (entries < 1 || entries > 4096) {
            throw new IllegalArgumentException("io_uring with " + entries + " entries");
        }
        Arena arena = Arena.ofShared();
        int fd = -1;
        try {
            MemorySegment params = arena.allocate(PARAMS_SIZE, 8);
            params.set(JAVA_INT, PARAMS_FLAGS_OFFSET,
                    IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | (sqe128 ? IORING_SETUP_SQE128 : 0));
            params.set(JAVA_INT, PARAMS_CQ_ENTRIES_OFFSET, 2 * entries);
            fd = (int) Native.once("io_uring_setup", "io_uring", st -> (long) SETUP.invokeExact(st, SYS_IO_URING_SETUP,
                    (long) entries, params));
            int sqCount = params.get(JAVA_INT, PARAMS_SQ_ENTRIES_OFFSET);
            int cqCount = params.get(JAVA_INT, PARAMS_CQ_ENTRIES_OFFSET);
            long sqSize = params.get(JAVA_INT, SQ_ARRAY_OFFSET) + 4L * sqCount;
            long cqSize = params.get(JAVA_INT, CQ_CQES_OFFSET) + CQE_SIZE * cqCount;
            boolean single = (params.get(JAVA_INT, PARAMS_FEATURES_OFFSET) & IORING_FEAT_SINGLE_MMAP) != 0;
            MemorySegment sq = Mappings.shared(fd, IORING_OFF_SQ_RING, single ? Math.max(sqSize, cqSize) : sqSize, arena);
            MemorySegment cq = single ? sq : Mappings.shared(fd, IORING_OFF_CQ_RING, cqSize, arena);
            long sqeSize = sqe128 ? 2 * SQE_SIZE : SQE_SIZE;
            MemorySegment sqes = Mappings.shared(fd, IORING_OFF_SQES, sqeSize * sqCount, arena);
            return new IoUring(fd, arena, params, sq, cq, sqes, sqeSize);
        } catch (SysException | RuntimeException | Error e) {
            if (fd >= 0) {
                FileCalls.close(fd);
            }
            arena.close();
            throw e;
        }
    }

    /** Submission entries that fit (a power of two). */
    public int capacity() {
        return sqEntries;
    }

    /**
     * Queues an {@code IORING_OP_URING_CMD} for the driver behind {@code targetFd} (sent by the
     * next {@link #submitAndWait}) and returns its command area for the caller to fill: 16 bytes,
     * or 80 with 128-byte entries. {@code addr} and {@code len} are the entry's address and length
     * fields, whose meaning is the driver's.
     *
     * @throws IllegalStateException if every submission entry is already queued
     */
    public MemorySegment queueCommand(int targetFd, int cmdOp, long addr, int len, long userData) {
        int head = (int) INT_AT.getAcquire(sqRing, sqHead);
        if (tail - head >= sqEntries) {
            throw new IllegalStateException("the io_uring submission queue is full (" + sqEntries + " entries)");
        }
        MemorySegment sqe = sqes.asSlice((tail & sqMask) * sqeSize, sqeSize);
        sqe.fill((byte) 0);
        sqe.set(JAVA_BYTE, SQE_OPCODE_OFFSET, (byte) IORING_OP_URING_CMD);
        sqe.set(JAVA_INT, SQE_FD_OFFSET, targetFd);
        sqe.set(JAVA_INT, SQE_CMD_OP_OFFSET, cmdOp);
        sqe.set(JAVA_LONG, SQE_ADDR_OFFSET, addr);
        sqe.set(JAVA_INT, SQE_LEN_OFFSET, len);
        sqe.set(JAVA_LONG, SQE_USER_DATA_OFFSET, userData);
        tail++;
        INT_AT.setRelease(sqRing, sqTail, tail);
        return sqe.asSlice(SQE_CMD_OFFSET);
    }

    /** Queued entries the kernel has not taken yet. */
    public int pending() {
        return tail - (int) INT_AT.getAcquire(sqRing, sqHead);
    }

    /**
     * Submits what is queued and waits until at least {@code minComplete} completions are
     * ready (0: do not wait). An interrupted wait returns early; the caller looks at what
     * completed and waits again.
     */
    public void submitAndWait(int minComplete) throws SysException {
        MemorySegment st = Native.callState();
        long r;
        try {
            r = (long) ENTER.invokeExact(st, SYS_IO_URING_ENTER, (long) fd, (long) pending(), (long) minComplete,
                    (long) IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (r < 0) {
            int e = Native.errno(st);
            if (e != Errno.EINTR && e != Errno.EAGAIN && e != Errno.EBUSY) {
                throw new SysException("io_uring_enter", "io_uring", e);
            }
        }
    }

    /** What a completion said. */
    @FunctionalInterface
    public interface Completions {
        /** @param result the operation's result: 0 or more on success, a negative errno on failure */
        void completed(long userData, int result);
    }

    /** Hands every ready completion to {@code sink}, in order, and frees their slots; returns how many. */
    public int reap(Completions sink) {
        int head = (int) INT_AT.getAcquire(cqRing, cqHead);
        int end = (int) INT_AT.getAcquire(cqRing, cqTail);
        int n = 0;
        while (head != end) {
            long at = cqes + (head & cqMask) * CQE_SIZE;
            long userData = cqRing.get(JAVA_LONG, at + CQE_USER_DATA_OFFSET);
            int res = cqRing.get(JAVA_INT, at + CQE_RES_OFFSET);
            head++;
            n++;
            // free the slot before handling: the handler may queue and submit more work
            INT_AT.setRelease(cqRing, cqHead, head);
            sink.completed(userData, res);
        }
        return n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        FileCalls.close(fd);
        arena.close();
    }
}
