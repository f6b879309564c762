package org.cfsj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code ./demo}, the README's main job, run as a user would with its output in a pipe (a log, a
 * CI job): it succeeds offline, shows every step, and prints no terminal escape codes.
 */
class DemoTest {
    @Test
    void theDemoRunsToTheEndAndPrintsPlainTextInAPipe() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: ./demo needs root (FUSE mount, crun)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: ./demo needs /dev/fuse");
        Assumptions.assumeTrue(Command.onPath("crun"), "SKIPPED: ./demo needs crun (apt-get install crun)");
        Path demo = Path.of(System.getProperty("cfsj.root.dir"), "demo");
        Result r = Command.of(List.of(demo.toString())).timeoutSeconds(300).run();
        assertEquals(0, r.exit(), r.describe());
        String out = r.outLatin1();
        for (String step : List.of("== 1. ", "== 2. ", "== 3. ", "== 4. ", "== 5. ", "== Done")) {
            assertTrue(out.contains("\n" + step), "step '" + step + "' shown: " + r.describe());
        }
        assertTrue(out.contains("a command of your own:"), "the container ran: " + r.describe());
        assertFalse(out.contains("\033") || r.err().contains("\033"), "no escape codes in a pipe: " + r.describe());
    }
}
