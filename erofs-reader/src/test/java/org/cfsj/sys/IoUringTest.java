package org.cfsj.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ring: set up, commands queued, submitted and completed. A regular file has no command
 * handler, so each command completes at once with -EOPNOTSUPP and its user data: the round
 * trip through the mapped rings is what is checked.
 */
class IoUringTest {
    private static IoUring openOrSkip(int entries) throws SysException {
        try {
            return IoUring.open(entries, true);
        } catch (SysException e) {
            Assumptions.assumeTrue(e.errno() != Errno.ENOSYS && e.errno() != Errno.EPERM,
                    "SKIPPED: this kernel does not allow io_uring (" + e.getMessage() + ")");
            throw e;
        }
    }

    @TempDir
    Path tmp;

    @Test
    void commandsCompleteWithTheirUserData() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain"), "x");
        int plain = FileCalls.open(file.toString(), FileCalls.O_RDWR | FileCalls.O_CLOEXEC, 0);
        try (IoUring ring = openOrSkip(4)) {
            assertEquals(4, ring.capacity());
            List<long[]> seen = new ArrayList<>();
            // more rounds than entries: slots and completion entries are reused
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 3; i++) {
                    MemorySegment cmd = ring.queueCommand(plain, 1, 0, 0, round * 10L + i);
                    assertEquals(80, cmd.byteSize(), "128-byte entries carry an 80-byte command area");
                    cmd.set(ValueLayout.JAVA_LONG, 0, 42);
                }
                assertEquals(3, ring.pending());
                int got = 0;
                while (got < 3) {
                    ring.submitAndWait(3 - got);
                    got += ring.reap((data, res) -> seen.add(new long[] {data, res}));
                }
                assertEquals(0, ring.pending());
            }
            assertEquals(15, seen.size());
            for (int k = 0; k < seen.size(); k++) {
                assertEquals((k / 3) * 10L + k % 3, seen.get(k)[0]);
                assertEquals(-Errno.EOPNOTSUPP, seen.get(k)[1]);
            }
        } finally {
            FileCalls.close(plain);
        }
    }

    @Test
    void aFullSubmissionQueueIsRefused() throws Exception {
        try (IoUring ring = openOrSkip(2)) {
            ring.queueCommand(-1, 0, 0, 0, 1);
            ring.queueCommand(-1, 0, 0, 0, 2);
            assertThrows(IllegalStateException.class, () -> ring.queueCommand(-1, 0, 0, 0, 3));
        }
    }

    @Test
    void anonymousMemoryIsZeroAndWritable() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = Mappings.anonymous(1 << 20, arena);
            assertEquals(1 << 20, m.byteSize());
            assertEquals(0, m.address() % 4096, "page-aligned");
            assertEquals(0, m.get(ValueLayout.JAVA_LONG, 4096));
            m.set(ValueLayout.JAVA_LONG, (1 << 20) - 8, -1L);
            assertTrue(m.get(ValueLayout.JAVA_LONG, (1 << 20) - 8) == -1L);
        }
    }
}
