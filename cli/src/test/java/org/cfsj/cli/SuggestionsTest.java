package org.cfsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a mistyped or misplaced command suggests. */
class SuggestionsTest {
    @ParameterizedTest
    @ValueSource(strings = {"mount", "pull", "run", "inspect", "bundle"})
    void anOciCommandAtTheTopLevelSuggestsOci(String name) {
        CliRunner.Result r = CliRunner.run(name, "some-image");
        assertEquals(2, r.exit());
        assertEquals("Unmatched arguments from index 0: '" + name + "', 'some-image'\n"
                + "Did you mean: cfsj oci " + name + "?\n", r.err());
    }

    @Test
    void imagesIsATopLevelCommandToo() {
        CliRunner.Result r = CliRunner.run("images", "--help");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.outText().startsWith("Usage: cfsj images"), r.outText());
    }

    @Test
    void typosStillGetTheNearestSpelling() {
        CliRunner.Result r = CliRunner.run("umont");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Did you mean: cfsj umount"), r.err());
    }
}
