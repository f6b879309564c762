package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.sys.VerityIoctl.Measurement;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel side of object checking: FS_IOC_MEASURE_VERITY and what its answers mean. */
class VerityIoctlTest {
    @TempDir
    Path dir;

    @Test
    void requestNumberIsTheKernels() {
        // include/uapi/linux/fsverity.h: _IOWR('f', 134, struct fsverity_digest) == 0xc0046686
        assertEquals(0xc0046686L, VerityIoctl.FS_IOC_MEASURE_VERITY);
    }

    @Test
    void missingVeritySupportMeansCheckInUserSpace() {
        for (int errno : new int[] {Errno.ENOTTY, Errno.EOPNOTSUPP, Errno.ENODATA, Errno.EINVAL}) {
            Measurement m = VerityIoctl.interpret(errno);
            assertEquals(new Measurement.Unavailable(errno), m, "errno " + errno);
        }
    }

    @Test
    void otherErrorsAreFailures() {
        Measurement.Failed f = assertInstanceOf(Measurement.Failed.class, VerityIoctl.interpret(Errno.EIO));
        assertEquals(Errno.EIO, f.errno());
        assertEquals("Input/output error", f.message());
    }

    @Test
    void decodesTheKernelsDigestStruct() {
        byte[] digest = FsVerity.digest("hello world".getBytes(StandardCharsets.US_ASCII));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4 + VerityIoctl.MAX_DIGEST_SIZE, 2);
            s.set(JAVA_SHORT, 0, (short) VerityIoctl.FS_VERITY_HASH_ALG_SHA256);
            s.set(JAVA_SHORT, 2, (short) digest.length);
            MemorySegment.copy(digest, 0, s, JAVA_BYTE, 4, digest.length);
            Measurement.Enabled e = assertInstanceOf(Measurement.Enabled.class, VerityIoctl.decode(s));
            assertEquals(VerityIoctl.FS_VERITY_HASH_ALG_SHA256, e.algorithm());
            assertArrayEquals(digest, e.digest());
            assertEquals("SHA-256", e.algorithmName());

            s.set(JAVA_SHORT, 2, (short) 200); // more than the buffer holds: never trust it
            assertInstanceOf(Measurement.Failed.class, VerityIoctl.decode(s));
        }
    }

    @Test
    void aFileWithoutVerityIsUnavailableNotAnError() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "no verity here");
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, file.toString().getBytes(StandardCharsets.UTF_8),
                FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, file.toString());
        try {
            // ENOTTY/EOPNOTSUPP here (no fs-verity in this kernel); ENODATA where ext4 has it.
            Measurement m = VerityIoctl.measure(fd);
            assertInstanceOf(Measurement.Unavailable.class, m, m.toString());
        } finally {
            FileCalls.close(fd);
        }
    }

    @Test
    void tmpfsHasNoSuchIoctl() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "/dev/shm (tmpfs) is not available");
        Path file = Files.createTempFile(shm, "cfsj-verity", ".tmp");
        try {
            int fd = FileCalls.openat(FileCalls.AT_FDCWD, file.toString().getBytes(StandardCharsets.UTF_8),
                    FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, file.toString());
            try {
                assertEquals(new Measurement.Unavailable(Errno.ENOTTY), VerityIoctl.measure(fd));
            } finally {
                FileCalls.close(fd);
            }
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void aBadFdIsAFailure() {
        Measurement.Failed f = assertInstanceOf(Measurement.Failed.class, VerityIoctl.measure(-1));
        assertEquals(9, f.errno(), "EBADF");
    }
}
