package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The kernel's fs-verity: {@code FS_IOC_ENABLE_VERITY} and {@code FS_IOC_MEASURE_VERITY}
 * (include/uapi/linux/fsverity.h).
 *
 * <p>A measured digest is authoritative for the life of the open file: the kernel checks every
 * page read against the Merkle tree, so nothing needs to be cached or rechecked.
 */
public final class VerityIoctl {
    /** {@code _IOW('f', 133, struct fsverity_enable_arg)}, the struct being 128 bytes. */
    public static final long FS_IOC_ENABLE_VERITY = 0x40806685L;
    /** {@code _IOWR('f', 134, struct fsverity_digest)}; the struct's fixed part is 4 bytes. */
    public static final long FS_IOC_MEASURE_VERITY = 0xc0046686L;

    public static final int FS_VERITY_HASH_ALG_SHA256 = 1;
    public static final int FS_VERITY_HASH_ALG_SHA512 = 2;

    /** Room for the largest digest fs-verity knows (SHA-512). */
    public static final int MAX_DIGEST_SIZE = 64;
    /** {@code sizeof(struct fsverity_enable_arg)}. */
    static final long ENABLE_ARG_SIZE = 128;
    /** {@code sizeof(struct fsverity_digest)}: u16 digest_algorithm, u16 digest_size, then the digest. */
    static final long DIGEST_HEADER_SIZE = 4;

    /** What the kernel said about one file. */
    public sealed interface Measurement {
        /** The file has fs-verity enabled; {@code digest} is its file digest. */
        record Enabled(int algorithm, byte[] digest) implements Measurement {
            public String algorithmName() {
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

    private VerityIoctl() {}

    /** Measures the open file {@code fd}. */
    public static Measurement measure(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment digest = arena.allocate(DIGEST_HEADER_SIZE + MAX_DIGEST_SIZE, 2);
            digest.set(JAVA_SHORT, 2, (short) MAX_DIGEST_SIZE); // in: buffer size; out: digest size
            int r = Ioctl.ioctlOrErrno(fd, FS_IOC_MEASURE_VERITY, digest);
            return r >= 0 ? decode(digest) : interpret(-r);
        }
    }

    /**
     * FS_IOC_ENABLE_VERITY with hash {@code hashAlgorithm} ({@code FS_VERITY_HASH_ALG_*}), 4 KiB
     * blocks, no salt, on a file opened read-only with no writers. EEXIST (already enabled) counts
     * as success.
     */
    public static void enable(int fd, int hashAlgorithm, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = arena.allocate(ENABLE_ARG_SIZE, 8);
            arg.set(JAVA_INT, 0, 1); // version
            arg.set(JAVA_INT, 4, hashAlgorithm);
            arg.set(JAVA_INT, 8, 4096); // block_size
            while (true) {
                int r = Ioctl.ioctlOrErrno(fd, FS_IOC_ENABLE_VERITY, arg);
                if (r >= 0 || r == -Errno.EEXIST) {
                    return;
                }
                if (r != -Errno.EINTR) {
                    throw new SysException("ioctl", what, -r);
                }
            }
        }
    }

    /** Reads a filled-in {@code struct fsverity_digest}. */
    static Measurement decode(MemorySegment digest) {
        int algorithm = Short.toUnsignedInt(digest.get(JAVA_SHORT, 0));
        int size = Short.toUnsignedInt(digest.get(JAVA_SHORT, 2));
        if (size > digest.byteSize() - DIGEST_HEADER_SIZE) {
            return new Measurement.Failed(Errno.EOVERFLOW, "kernel reported a " + size + "-byte digest");
        }
        return new Measurement.Enabled(algorithm, digest.asSlice(DIGEST_HEADER_SIZE, size).toArray(JAVA_BYTE));
    }

    /** What a failed FS_IOC_MEASURE_VERITY means for the object. */
    static Measurement interpret(int errno) {
        return switch (errno) {
            // ENOTTY: the filesystem knows no such ioctl (tmpfs, overlayfs, xfs...);
            // EOPNOTSUPP: it does, but the kernel or this filesystem instance lacks fs-verity;
            // ENODATA: fs-verity works here but is not enabled on this file;
            // EINVAL: some filesystems and LSMs reject ioctls they do not handle this way.
            case Errno.ENOTTY, Errno.EOPNOTSUPP, Errno.ENODATA, Errno.EINVAL -> new Measurement.Unavailable(errno);
            default -> new Measurement.Failed(errno, Errno.strerror(errno));
        };
    }
}
