package org.cfsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code cfsj help A B} shows the help of the deepest named command. */
class HelpCommandTest {
    @Test
    void helpOfANestedCommandIsThatCommandsHelp() {
        CliRunner.Result r = CliRunner.run("help", "oci", "pull");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.outText().startsWith("Usage: cfsj oci pull "), r.outText());
        assertEquals(CliRunner.run("oci", "pull", "--help").outText(), r.outText());
    }

    @Test
    void helpOfATopLevelCommandIsUnchanged() {
        CliRunner.Result r = CliRunner.run("help", "oci");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.outText().startsWith("Usage: cfsj oci "), r.outText());
    }

    @Test
    void anUnknownNameIsAUsageError() {
        CliRunner.Result r = CliRunner.run("help", "oci", "nosuch");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Unknown subcommand 'nosuch'"), r.err());
    }
}
