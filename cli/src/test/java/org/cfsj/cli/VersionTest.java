package org.cfsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code cfsj --version} names the version and the commit the build came from. */
class VersionTest {
    @Test
    void versionNamesTheVersionAndTheCommit() {
        CliRunner.Result r = CliRunner.run("--version");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.outText().matches("cfsj \\d+\\.\\d+\\.\\d+\\S* \\(commit ([0-9a-f]{7,40}|unknown)\\)\n"), r.outText());
    }

    @Test
    void aBuildOutsideGitSaysCommitUnknown() {
        assertEquals("cfsj 0.1.0 (commit unknown)", Main.Version.line("0.1.0", "${git.commit}"));
        assertEquals("cfsj 0.1.0 (commit unknown)", Main.Version.line("0.1.0", ""));
        assertEquals("cfsj 0.1.0 (commit abc1234)", Main.Version.line("0.1.0", "abc1234"));
    }
}
