package org.cfsj.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.cfsj.tree.Directory;
import org.junit.jupiter.api.Test;

/**
 * A dumpfile can spell bytes no image may hold with {@code \xNN} escapes: a NUL inside a name,
 * a symlink target or a payload (C's strings would silently cut them there). Each is refused
 * with the line number; the format's length limits hold as before.
 */
class DumpfileLimitsTest {
    private static final String ROOT = "/ 4096 40755 2 0 0 0 0.0 - - -\n";

    private static DumpfileException refused(String line) {
        byte[] dump = (ROOT + line + "\n").getBytes(StandardCharsets.ISO_8859_1);
        return assertThrows(DumpfileException.class, () -> DumpfileParser.parse(dump, DumpfileParser.Mode.LENIENT));
    }

    @Test
    void nulInNameIsRefused() {
        DumpfileException e = refused("/a\\x00b 0 100644 1 0 0 0 0.0 - - -");
        assertTrue(e.getMessage().contains("NUL") && e.getMessage().contains("2"), e.getMessage());
    }

    @Test
    void nulInSymlinkTargetIsRefused() {
        DumpfileException e = refused("/l 3 120777 1 0 0 0 0.0 a\\x00b - -");
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    }

    @Test
    void nulInPayloadIsRefused() {
        DumpfileException e = refused("/f 100 100644 1 0 0 0 0.0 ab/cd\\x00e - -");
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    }

    @Test
    void longNamesAndTargetsAreRefused() {
        assertTrue(refused("/" + "n".repeat(300) + " 0 100644 1 0 0 0 0.0 - - -").getMessage().contains("255"));
        assertTrue(refused("/l 5001 120777 1 0 0 0 0.0 " + "t".repeat(5001) + " - -").getMessage().contains("4095"));
    }

    /** Parsed on a thread with a 256 KiB stack: a recursive walk of 4,000 levels overflows it. */
    @Test
    void deepDumpfileParsesWithoutRecursion() throws Exception {
        StringBuilder sb = new StringBuilder(ROOT);
        StringBuilder path = new StringBuilder();
        int depth = 4000;
        for (int i = 0; i < depth; i++) {
            path.append("/d");
            sb.append(path).append(" 4096 40755 2 0 0 0 0.0 - - -\n");
        }
        byte[] dump = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        Object[] result = new Object[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = DumpfileParser.parse(dump, DumpfileParser.Mode.LENIENT);
            } catch (Throwable e) {
                result[0] = e;
            }
        }, "small-stack", 256 << 10);
        t.start();
        t.join();
        if (!(result[0] instanceof Directory top)) {
            throw new AssertionError("parse failed: " + result[0]);
        }
        Directory d = top;
        int seen = 0;
        while (d.get("d") instanceof Directory sub) {
            d = sub;
            seen++;
        }
        assertEquals(depth, seen);
    }
}
