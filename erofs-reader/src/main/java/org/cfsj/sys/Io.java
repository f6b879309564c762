package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Reading and writing open fds: {@code read}, {@code pread}, {@code writev}, {@code write} and
 * page-cache advice. EINTR is retried everywhere. {@link #read}, {@link #pread} and
 * {@link #writev} serve the FUSE server's every request, so they allocate nothing: errno goes to
 * the thread's call-state segment.
 */
public final class Io {
    /** posix_fadvise: the range will be read soon (the kernel starts reading it, without waiting). */
    public static final int POSIX_FADV_WILLNEED = 3;
    /** posix_fadvise: the cached pages of the range may go. */
    public static final int POSIX_FADV_DONTNEED = 4;
    /** madvise: the mapped range will be accessed soon (for a file mapping, the kernel starts reading it, without waiting). */
    public static final int MADV_WILLNEED = 3;
    /** {@code sizeof(struct iovec)}: a pointer and a length. */
    public static final long IOVEC_SIZE = 16;

    private static final MethodHandle READ =
            Native.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            Native.withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITEV =
            Native.withErrno("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PREAD =
            Native.withErrno("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle POSIX_FADVISE =
            Native.plain("posix_fadvise", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    private static final MethodHandle MADVISE =
            Native.withErrno("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Io() {}

    /** One {@code read(2)} into {@code buf}; EINTR is retried. */
    public static long read(int fd, MemorySegment buf, long len) throws SysException {
        try {
            MemorySegment st = Native.callState();
            while (true) {
                long n = (long) READ.invokeExact(st, fd, buf, len);
                if (n >= 0) {
                    return n;
                }
                int e = Native.errno(st);
                if (e != Errno.EINTR) {
                    throw new SysException("read", "fd " + fd, e);
                }
            }
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Reads exactly {@code length} bytes from the current position of {@code fd}. */
    public static byte[] readFully(int fd, int length, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, length));
            long done = 0;
            while (done < length) {
                MemorySegment rest = buf.asSlice(done);
                long want = (long) length - done;
                long n = Native.retrying("read", what, st -> (long) READ.invokeExact(st, fd, rest, want));
                if (n == 0) {
                    throw new EOFException(what + ": file shrank while being read (" + done + " of " + length + " bytes)");
                }
                done += n;
            }
            return buf.asSlice(0, length).toArray(JAVA_BYTE);
        }
    }

    /** Writes all of {@code content} at the current position of {@code fd}. */
    public static void writeFully(int fd, byte[] content, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, content.length));
            MemorySegment.copy(content, 0, buf, JAVA_BYTE, 0, content.length);
            long done = 0;
            while (done < content.length) {
                MemorySegment rest = buf.asSlice(done);
                long left = content.length - done;
                done += Native.retrying("write", what, st -> (long) WRITE.invokeExact(st, fd, rest, left));
            }
        }
    }

    /** One {@code writev(2)} of {@code count} iovecs at {@code iov}; EINTR is retried. */
    public static long writev(int fd, MemorySegment iov, int count) throws SysException {
        try {
            MemorySegment st = Native.callState();
            while (true) {
                long n = (long) WRITEV.invokeExact(st, fd, iov, count);
                if (n >= 0) {
                    return n;
                }
                int e = Native.errno(st);
                if (e != Errno.EINTR) {
                    throw new SysException("writev", "fd " + fd, e);
                }
            }
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code pread(2)} until {@code len} bytes or end of file; returns the bytes read. */
    public static long pread(int fd, MemorySegment buf, long len, long offset) throws SysException {
        try {
            MemorySegment st = Native.callState();
            long done = 0;
            while (done < len) {
                long n = (long) PREAD.invokeExact(st, fd, buf.asSlice(done), len - done, offset + done);
                if (n == 0) {
                    break;
                }
                if (n < 0) {
                    int e = Native.errno(st);
                    if (e == Errno.EINTR) {
                        continue;
                    }
                    throw new SysException("pread", "fd " + fd, e);
                }
                done += n;
            }
            return done;
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Writes an iovec {base, len} at index {@code i} of an iovec array. */
    public static void setIovec(MemorySegment iov, int i, MemorySegment base, long len) {
        iov.set(ADDRESS, i * IOVEC_SIZE, base);
        iov.set(JAVA_LONG, i * IOVEC_SIZE + 8, len);
    }

    /** {@code posix_fadvise(2)}; returns 0 or the error number (it does not set errno). */
    public static int posixFadvise(int fd, long offset, long length, int advice) {
        try {
            return (int) POSIX_FADVISE.invokeExact(fd, offset, length, advice);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * {@code madvise(2)} over all of {@code mapping} (a segment of a mapping made by
     * {@code FileChannel.map}, so page-aligned at its start); returns 0 or the error number.
     */
    public static int madvise(MemorySegment mapping, int advice) {
        try {
            MemorySegment st = Native.callState();
            int r = (int) MADVISE.invokeExact(st, mapping, mapping.byteSize(), advice);
            return r == 0 ? 0 : Native.errno(st);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
