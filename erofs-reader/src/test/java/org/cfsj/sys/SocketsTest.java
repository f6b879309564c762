package org.cfsj.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Descriptors received over a unix socket: what {@code fusermount3} hands the FUSE server. */
class SocketsTest {
    @Test
    void receivedFdIsCloseOnExec() throws Exception {
        int[] pair = Sockets.socketpair(Sockets.AF_UNIX, Sockets.SOCK_STREAM);
        int sent = FileCalls.open("/dev/null", FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        int received = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(1);
            Sockets.send(pair[1], one, new int[] {sent});
            received = Sockets.receiveFd(pair[0], "test socket");
            assertNotEquals(-1, received);
            // A child started later (fusermount3 -u, crun) must not inherit the FUSE connection.
            assertTrue((fdFlags(received) & FileCalls.O_CLOEXEC) != 0, "received fd is not close-on-exec");
            assertEquals(Files.readSymbolicLink(Path.of("/proc/self/fd/" + sent)),
                    Files.readSymbolicLink(Path.of("/proc/self/fd/" + received)));
        } finally {
            FileCalls.close(sent);
            if (received >= 0) {
                FileCalls.close(received);
            }
            FileCalls.close(pair[0]);
            FileCalls.close(pair[1]);
        }
    }

    /** The open flags /proc reports for an fd of this process (octal, with O_CLOEXEC among them). */
    private static int fdFlags(int fd) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        throw new AssertionError("no flags line for fd " + fd);
    }
}
