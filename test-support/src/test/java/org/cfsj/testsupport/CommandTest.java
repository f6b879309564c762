package org.cfsj.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandTest {
    @TempDir
    Path tmp;

    @Test
    void capturesStdoutStderrAndTheExitCodeApart() throws Exception {
        Result r = Command.shell("echo out; echo err >&2; exit 3").run();
        assertEquals(3, r.exit());
        assertEquals("out\n", r.out());
        assertEquals("err\n", r.err());
        assertTrue(r.describe().contains("exit 3"), r.describe());
    }

    @Test
    void stdinIsWrittenAndClosed() throws Exception {
        byte[] bytes = new byte[300_000]; // more than a pipe holds: written while stdout is read
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        Result r = Command.of("cat").stdin(bytes).run();
        assertEquals(0, r.exit());
        assertArrayEquals(bytes, r.stdout());
        assertEquals("", Command.of("cat").check(), "no stdin given: an empty one, not the test JVM's");
    }

    @Test
    void bothPipesFullAtOnceDoNotDeadlock() throws Exception {
        Result r = Command.shell("head -c 1000000 /dev/zero >&2; head -c 1000000 /dev/zero").timeoutSeconds(60).run();
        assertEquals(1_000_000, r.stdout().length);
        assertEquals(1_000_000, r.err().length());
    }

    @Test
    void mergedStderrAndStdoutIntoAFile() throws Exception {
        assertEquals("a\nb\n", Command.shell("echo a; echo b >&2").mergeStderr().check());
        Path out = tmp.resolve("out");
        Result r = Command.of("printf", "\\377\\000").stdoutTo(out).run();
        assertEquals(0, r.stdout().length);
        assertArrayEquals(new byte[] {(byte) 0xff, 0}, Files.readAllBytes(out));
    }

    @Test
    void environmentAndWorkingDirectory() throws Exception {
        assertEquals("v " + tmp.toRealPath() + "\n", Command.shell("echo \"$X\" \"$(pwd -P)\"").env("X", "v").dir(tmp).check());
    }

    @Test
    void aCommandOverItsTimeoutIsKilledAndNamed() {
        IOException e = assertThrows(IOException.class, () -> Command.of("sleep", "30").timeoutSeconds(1).run());
        assertTrue(e.getMessage().contains("sleep"), e.getMessage());
    }

    @Test
    void checkThrowsWithTheOutputOnFailure() {
        IOException e = assertThrows(IOException.class, () -> Command.shell("echo why >&2; exit 1").check());
        assertTrue(e.getMessage().contains("why"), e.getMessage());
    }

    @Test
    void runsAsAnotherUser() throws Exception {
        assumeTrue(Command.isRoot() && Command.onPath("setpriv"), "needs root and setpriv");
        assertEquals(Command.NOBODY + "\n", Command.of("id", "-u").asUser(Command.NOBODY, Command.NOBODY).check());
    }

    @Test
    void onPathFindsShellTools() {
        assertTrue(Command.onPath("sh"));
        assertTrue(!Command.onPath("no-such-tool-" + System.nanoTime()));
    }

    @Test
    void latin1KeepsEveryByte() throws Exception {
        Result r = Command.of("printf", "\\377").run();
        assertEquals("\u00ff", r.outLatin1());
        assertEquals(1, r.outLatin1().getBytes(StandardCharsets.ISO_8859_1).length);
    }
}
