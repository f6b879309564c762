package org.cfsj.objects;

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
import org.cfsj.objects.VerityIoctl.Measurement;
import org.cfsj.posix.Posix;
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
        for (int errno : new int[] {VerityIoctl.ENOTTY, VerityIoctl.EOPNOTSUPP, VerityIoctl.ENODATA, VerityIoctl.EINVAL}) {
            Measurement m = VerityIoctl.interpret(errno);
            assertEquals(new Measurement.Unavailable(errno), m, "errno " + errno);
        }
    }

    @Test
    void otherErrorsAreFailures() {
        Measurement.Failed f = assertInstanceOf(Measurement.Failed.class, VerityIoctl.interpret(VerityIoctl.EIO));
        assertEquals(VerityIoctl.EIO, f.errno());
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
        int fd = Posix.openat(Posix.AT_FDCWD, file.toString().getBytes(StandardCharsets.UTF_8),
                Posix.O_RDONLY | Posix.O_CLOEXEC, file.toString());
        try {
            // ENOTTY/EOPNOTSUPP here (no fs-verity in this kernel); ENODATA where ext4 has it.
            Measurement m = VerityIoctl.measure(fd);
            assertInstanceOf(Measurement.Unavailable.class, m, m.toString());
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void tmpfsHasNoSuchIoctl() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "/dev/shm (tmpfs) is not available");
        Path file = Files.createTempFile(shm, "cfsj-verity", ".tmp");
        try {
            int fd = Posix.openat(Posix.AT_FDCWD, file.toString().getBytes(StandardCharsets.UTF_8),
                    Posix.O_RDONLY | Posix.O_CLOEXEC, file.toString());
            try {
                assertEquals(new Measurement.Unavailable(VerityIoctl.ENOTTY), VerityIoctl.measure(fd));
            } finally {
                Posix.close(fd);
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

    /** Runs only where the kernel and the filesystem of the temp dir support fs-verity. */
    @Test
    void kernelMeasuredObjectsAreComparedWithTheImage() throws Exception {
        byte[] content = "kernel checked".getBytes(StandardCharsets.US_ASCII);
        byte[] digest = FsVerity.digest(content);
        Path object = dir.resolve(FsVerity.objectPath(digest));
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        Process enable;
        try {
            enable = new ProcessBuilder("fsverity", "enable", object.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "fsverity tool not installed: " + e.getMessage());
            return;
        }
        String out = new String(enable.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(enable.waitFor() == 0, "no kernel fs-verity on " + dir + " (fsverity enable: " + out.strip() + ")");

        try (VerifiedObjects store = new VerifiedObjects(dir, false)) {
            assertTrue(store.verityMode().startsWith("kernel fs-verity"), store.verityMode());
            VerifiedObjects.close(store.open(FsVerity.objectPath(digest), digest).fd());
            byte[] wrong = digest.clone();
            wrong[0] ^= 1;
            ObjectVerificationException e = assertThrows(ObjectVerificationException.class,
                    () -> store.open(FsVerity.objectPath(digest), wrong));
            assertTrue(e.getMessage().contains("measured by kernel fs-verity"), e.getMessage());
            assertEquals(2, store.checked());
        }
    }
}
