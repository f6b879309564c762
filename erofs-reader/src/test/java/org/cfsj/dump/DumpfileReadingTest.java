package org.cfsj.dump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.erofs.write.WriterTree;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Xattr;
import org.junit.jupiter.api.Test;

/**
 * How the parser reads: through a buffer refilled from a stream (a line longer than the buffer
 * grows it), and per line its xattrs, where a repeated name replaces the earlier value, also on a
 * line with so many xattrs that names are looked up through a map. The tree model and the direct
 * image path give the same result.
 */
class DumpfileReadingTest {
    private static final String ROOT = "/ 4096 40755 2 0 0 0 0.0 - - -\n";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aLineLongerThanTheReadBufferIsReadWhole() throws Exception {
        // 3 MiB of name: more than the read chunk, refused for its length (so it was read whole).
        String line = "/" + "a".repeat(3 << 20) + " 0 100644 1 0 0 0 0.0 - - -\n";
        byte[] dump = bytes(ROOT + line);
        DumpfileException streamed = assertThrows(DumpfileException.class,
                () -> DumpfileParser.parseForImage(new ByteArrayInputStream(dump), DumpfileParser.Mode.STRICT));
        DumpfileException whole = assertThrows(DumpfileException.class,
                () -> DumpfileParser.parse(dump, DumpfileParser.Mode.STRICT));
        assertEquals(whole.getMessage(), streamed.getMessage());
        assertEquals(2, streamed.line());
        assertTrue(streamed.getMessage().contains("longer than 255"), streamed.getMessage());
    }

    @Test
    void manyLinesAcrossRefillsGiveTheSameImageAsTheWholeInput() throws Exception {
        StringBuilder sb = new StringBuilder(ROOT);
        for (int d = 0; d < 40; d++) {
            sb.append("/d").append(d).append(" 4096 40755 2 0 0 0 0.0 - - - user.a=").append(d % 3).append('\n');
            for (int f = 0; f < 1000; f++) {
                sb.append("/d").append(d).append("/f").append(f).append(" 5 100644 1 0 0 0 1.").append(f)
                        .append(" - hello - user.x=").append(f % 5).append('\n');
            }
        }
        byte[] dump = bytes(sb.toString()); // about 2 MiB: more than one read chunk
        WriterTree tree = DumpfileParser.parseForImage(new ByteArrayInputStream(dump), DumpfileParser.Mode.STRICT);
        byte[] direct = ComposefsImageWriter.toBytes(tree, ComposefsImageWriter.Options.DEFAULT);
        Directory root = DumpfileParser.parse(dump, DumpfileParser.Mode.STRICT);
        assertArrayEquals(ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT), direct);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DumpfilePrinter.print(root, printed);
        assertEquals(dump.length, printed.size(), "the tree prints back to the same dumpfile");
    }

    @Test
    void aRepeatedXattrNameKeepsTheLastValueAmongFewAndAmongMany() throws Exception {
        for (int n : new int[] {3, 40}) {
            StringBuilder line = new StringBuilder("/f 0 100644 1 0 0 0 0.0 - - -");
            for (int i = 0; i < n; i++) {
                line.append(" user.k").append(i).append("=v").append(i);
            }
            line.append(" user.k1=again user.k").append(n - 1).append("=last\n");
            Directory root = DumpfileParser.parse(bytes(ROOT + line), DumpfileParser.Mode.STRICT);
            var xattrs = root.get("f").meta().xattrs();
            assertEquals(n, xattrs.size(), "one xattr per name");
            // The replaced names move to the end, in the order they were set again.
            assertEquals(new Xattr(bytes("user.k1"), bytes("again")), xattrs.get(n - 2));
            assertEquals(new Xattr(bytes("user.k" + (n - 1)), bytes("last")), xattrs.get(n - 1));
            assertEquals(new Xattr(bytes("user.k0"), bytes("v0")), xattrs.get(0));
            if (n > 3) {
                assertEquals(new Xattr(bytes("user.k2"), bytes("v2")), xattrs.get(1));
            }
        }
    }
}
