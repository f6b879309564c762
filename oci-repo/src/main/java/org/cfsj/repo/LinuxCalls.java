package org.cfsj.repo;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The few Linux calls the repository needs that the JDK does not offer: {@code flock} (locks
 * per open file, so two threads of one JVM can hold shared locks independently, which
 * {@code FileChannel.lock} cannot), {@code syncfs}, {@code renameat2} (rename unless the target
 * exists, in one call) and the fs-verity ioctls.
 */
final class LinuxCalls {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_CLOEXEC = 02000000;
    static final int O_DIRECTORY = 0200000;
    static final int LOCK_SH = 1;
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;
    static final int EWOULDBLOCK = 11;
    static final int EINTR = 4;
    static final int ENOTTY = 25;
    static final int EOPNOTSUPP = 95;
    static final int EEXIST = 17;
    static final int ENODATA = 61;
    static final int ENOENT = 2;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int AT_FDCWD = -100;
    static final int RENAME_NOREPLACE = 1;
    /** _IOW('f', 133, struct fsverity_enable_arg), the struct being 128 bytes. */
    static final long FS_IOC_ENABLE_VERITY = 0x40806685L;
    /** _IOWR('f', 134, struct fsverity_digest), the header being 4 bytes. */
    static final long FS_IOC_MEASURE_VERITY = 0xc0046686L;
    static final int FS_VERITY_HASH_ALG_SHA256 = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FLOCK = downcall("flock",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SYNCFS = downcall("syncfs",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle IOCTL = downcall("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle RENAMEAT2 = downcall("renameat2",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    /** A failed call with its errno. */
    static final class Failure extends IOException {
        final int errno;

        Failure(String what, int errno) {
            super(what + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    private LinuxCalls() {}

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, opts);
    }

    static int open(Path path, int flags, int mode) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment name = arena.allocateFrom(path.toString(), StandardCharsets.UTF_8);
            while (true) {
                int fd = (int) OPEN.invokeExact(state, name, flags | O_CLOEXEC, mode);
                if (fd >= 0) {
                    return fd;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != EINTR) {
                    throw new Failure(path.toString(), errno);
                }
            }
        } catch (Failure f) {
            throw f;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** flock(2), retried on EINTR; blocks until granted. */
    static void flock(int fd, int op, String what) throws Failure {
        intCall(FLOCK, fd, op, what);
    }

    /** flock(2) with LOCK_NB: true if granted now, false if another open file holds a conflicting lock. */
    static boolean tryFlock(int fd, int op, String what) throws Failure {
        try {
            intCall(FLOCK, fd, op | LOCK_NB, what);
            return true;
        } catch (Failure f) {
            if (f.errno == EWOULDBLOCK) {
                return false;
            }
            throw f;
        }
    }

    static void syncfs(int fd, String what) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) SYNCFS.invokeExact(state, fd);
            if (r != 0) {
                throw new Failure(what, (int) ERRNO.get(state, 0L));
            }
        } catch (Failure f) {
            throw f;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * renameat2(2) with RENAME_NOREPLACE: renames {@code from} to {@code to} unless {@code to}
     * exists, in one atomic step. Returns false (nothing renamed) if it exists. Throws with errno
     * EINVAL or ENOSYS where the filesystem or kernel cannot do it.
     */
    static boolean renameNoReplace(Path from, Path to) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment a = arena.allocateFrom(from.toString(), StandardCharsets.UTF_8);
            MemorySegment b = arena.allocateFrom(to.toString(), StandardCharsets.UTF_8);
            while (true) {
                int r = (int) RENAMEAT2.invokeExact(state, AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE);
                if (r == 0) {
                    return true;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EEXIST) {
                    return false;
                }
                if (errno != EINTR) {
                    throw new Failure(from + " -> " + to, errno);
                }
            }
        } catch (Failure f) {
            throw f;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * FS_IOC_ENABLE_VERITY with SHA-256, 4 KiB blocks, no salt, on a file opened read-only with
     * no writers. EEXIST (already enabled) counts as success.
     */
    static void enableVerity(int fd, String what) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = arena.allocate(128, 8);
            arg.set(ValueLayout.JAVA_INT, 0, 1); // version
            arg.set(ValueLayout.JAVA_INT, 4, FS_VERITY_HASH_ALG_SHA256);
            arg.set(ValueLayout.JAVA_INT, 8, 4096); // block_size
            MemorySegment state = arena.allocate(CALL_STATE);
            while (true) {
                int r = (int) IOCTL.invokeExact(state, fd, FS_IOC_ENABLE_VERITY, arg);
                int errno = r == 0 ? 0 : (int) ERRNO.get(state, 0L);
                if (r == 0 || errno == EEXIST) {
                    return;
                }
                if (errno != EINTR) {
                    throw new Failure(what, errno);
                }
            }
        } catch (Failure f) {
            throw f;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** FS_IOC_MEASURE_VERITY: the digest the kernel keeps for the file (SHA-256 only). */
    static byte[] measureVerity(int fd, String what) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = arena.allocate(4 + 64, 8);
            arg.set(ValueLayout.JAVA_SHORT, 2, (short) 64); // digest_size: room we offer
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) IOCTL.invokeExact(state, fd, FS_IOC_MEASURE_VERITY, arg);
            if (r != 0) {
                throw new Failure(what, (int) ERRNO.get(state, 0L));
            }
            int alg = Short.toUnsignedInt(arg.get(ValueLayout.JAVA_SHORT, 0));
            int size = Short.toUnsignedInt(arg.get(ValueLayout.JAVA_SHORT, 2));
            if (alg != FS_VERITY_HASH_ALG_SHA256 || size != 32) {
                throw new Failure(what + ": fs-verity algorithm " + alg + " is not sha256", 0);
            }
            return arg.asSlice(4, 32).toArray(ValueLayout.JAVA_BYTE);
        } catch (Failure f) {
            throw f;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void intCall(MethodHandle h, int fd, int arg, String what) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            while (true) {
                int r = (int) h.invokeExact(state, fd, arg);
                if (r == 0) {
                    return;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != EINTR) {
                    throw new Failure(what, errno);
                }
            }
        } catch (Failure f) {
            throw f;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String strerror(int errno) {
        if (errno == 0) {
            return "unsupported";
        }
        try {
            MemorySegment p = ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(1024);
            return p.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
