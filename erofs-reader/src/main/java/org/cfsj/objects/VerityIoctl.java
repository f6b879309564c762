package org.cfsj.objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * Asks the kernel for a file's fs-verity digest: {@code ioctl(fd, FS_IOC_MEASURE_VERITY, struct
 * fsverity_digest *)} (include/uapi/linux/fsverity.h), bound with FFM. org.cfsj.posix has no
 * ioctl binding, so this small one lives here.
 *
 * <p>A measured digest is authoritative for the life of the open file: the kernel checks every
 * page read against the Merkle tree, so nothing needs to be cached or rechecked.
 */
final class VerityIoctl {
    /** {@code _IOWR('f', 134, struct fsverity_digest)}; the struct's fixed part is 4 bytes. */
    static final long FS_IOC_MEASURE_VERITY = (3L << 30) | (4L << 16) | ('f' << 8) | 134;

    static final int FS_VERITY_HASH_ALG_SHA256 = 1;
    static final int FS_VERITY_HASH_ALG_SHA512 = 2;

    static final int EIO = 5;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int ENODATA = 61;
    static final int EOVERFLOW = 75;
    static final int EOPNOTSUPP = 95;

    /** Room for the largest digest fs-verity knows (SHA-512). */
    static final int MAX_DIGEST_SIZE = 64;

    /** What the kernel said about one file. */
    sealed interface Measurement {
        /** The file has fs-verity enabled; {@code digest} is its file digest. */
        record Enabled(int algorithm, byte[] digest) implements Measurement {
            String algorithmName() {
                return switch (algorithm) {
                    case FS_VERITY_HASH_ALG_SHA256 -> "SHA-256";
                    case FS_VERITY_HASH_ALG_SHA512 -> "SHA-512";
                    default -> "hash algorithm " + algorithm;
                };
            }
        }

        /**
         * The kernel cannot vouch for this file, and that is not an error: the filesystem has no
         * fs-verity (ENOTTY, EOPNOTSUPP, EINVAL) or the file has none enabled (ENODATA). The data
         * must then be checked in user space.
         */
        record Unavailable(int errno) implements Measurement {}

        /** The ioctl failed for another reason (EIO, ...): the object cannot be served safely. */
        record Failed(int errno, String message) implements Measurement {}
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // int ioctl(int fd, unsigned long request, ...): the pointer is the first variadic argument.
    private static final MethodHandle IOCTL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private VerityIoctl() {}

    /** Measures the open file {@code fd}. */
    static Measurement measure(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment digest = arena.allocate(4 + MAX_DIGEST_SIZE, 2);
            digest.set(JAVA_SHORT, 2, (short) MAX_DIGEST_SIZE); // in: buffer size; out: digest size
            int r = (int) IOCTL.invokeExact(state, fd, FS_IOC_MEASURE_VERITY, digest);
            return r == 0 ? decode(digest) : interpret((int) ERRNO.get(state, 0L));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) { // a downcall declares Throwable but only throws unchecked errors
            throw new IllegalStateException(t);
        }
    }

    /** Reads a filled-in {@code struct fsverity_digest}. */
    static Measurement decode(MemorySegment digest) {
        int algorithm = Short.toUnsignedInt(digest.get(JAVA_SHORT, 0));
        int size = Short.toUnsignedInt(digest.get(JAVA_SHORT, 2));
        if (size > digest.byteSize() - 4) {
            return new Measurement.Failed(EOVERFLOW, "kernel reported a " + size + "-byte digest");
        }
        return new Measurement.Enabled(algorithm, digest.asSlice(4, size).toArray(JAVA_BYTE));
    }

    /** What a failed FS_IOC_MEASURE_VERITY means for the object. */
    static Measurement interpret(int errno) {
        return switch (errno) {
            // ENOTTY: the filesystem knows no such ioctl (tmpfs, overlayfs, xfs...);
            // EOPNOTSUPP: it does, but the kernel or this filesystem instance lacks fs-verity;
            // ENODATA: fs-verity works here but is not enabled on this file;
            // EINVAL: some filesystems and LSMs reject ioctls they do not handle this way.
            case ENOTTY, EOPNOTSUPP, ENODATA, EINVAL -> new Measurement.Unavailable(errno);
            default -> new Measurement.Failed(errno, strerror(errno));
        };
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(1024);
            return s.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
