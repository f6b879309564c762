package org.cfsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cfsj mkcomposefs} as a user runs it: exit codes, messages, no partial output. */
class MkcomposefsCommandTest {
    static final Path DUMPS = Path.of(System.getProperty("cfsj.testdata.dir", "../testdata"), "conformance", "composefs-dumps");

    @TempDir
    Path tmp;

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void dumpfileGivesTheImageMkcomposefsGives() throws Exception {
        Path img = tmp.resolve("special.img");
        var r = CliRunner.run("mkcomposefs", "--from-file", "--min-version=0", "--max-version=0",
                DUMPS.resolve("special.dump").toString(), img.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(Files.readString(DUMPS.resolve("special.dump.sha256")).trim(), sha256(img));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "only the image is left in the directory");
        }
    }

    @Test
    void dumpfileFromStdinToStdout() throws Exception {
        byte[] dump = Files.readAllBytes(DUMPS.resolve("special_v1.dump"));
        var r = CliRunner.run(dump, "mkcomposefs", "--from-file", "--min-version=1", "-", "-");
        assertEquals(0, r.exit(), r.err());
        assertEquals(Files.readString(DUMPS.resolve("special_v1.dump.sha256")).trim(),
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.out())));
    }

    @Test
    void badDumpfileNamesTheLineAndLeavesNothingBehind() throws Exception {
        Path img = tmp.resolve("out.img");
        var r = CliRunner.run("mkcomposefs", "--from-file", "--strict", DUMPS.resolve("should-fail-dotdot-name.dump").toString(),
                img.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("cfsj mkcomposefs: line "), r.err());
        assertFalse(r.err().contains("Exception"), "no stack trace or exception names: " + r.err());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no image and no temp file left behind");
        }
    }

    @Test
    void existingImageIsKeptWhenTheNewOneFails() throws Exception {
        Path img = Files.writeString(tmp.resolve("out.img"), "previous");
        var r = CliRunner.run("mkcomposefs", "--from-file", DUMPS.resolve("should-fail-too-big.dump").toString(), img.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("too big"), r.err());
        assertEquals("previous", Files.readString(img));
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, CliRunner.run("mkcomposefs").exit());
        assertEquals(2, CliRunner.run("mkcomposefs", "--no-such-option", "a", "b").exit());
    }

    @Test
    void missingSourceIsAClearError() {
        var r = CliRunner.run("mkcomposefs", tmp.resolve("nope").toString(), tmp.resolve("x.img").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no such directory"), r.err());
    }

    @Test
    void unsupportedVersionIsRejected() {
        var r = CliRunner.run("mkcomposefs", "--from-file", "--min-version=2", DUMPS.resolve("special.dump").toString(),
                tmp.resolve("x.img").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("version"), r.err());
        assertFalse(Files.exists(tmp.resolve("x.img")));
    }
}
