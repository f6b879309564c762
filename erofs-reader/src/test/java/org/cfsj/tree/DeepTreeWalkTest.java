package org.cfsj.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.cfsj.dump.DumpfileParser;
import org.cfsj.dump.DumpfilePrinter;
import org.junit.jupiter.api.Test;

/**
 * The tree walks of this module on chains of directories far deeper than any real tree: they
 * must not recurse on depth. Hardlinks runs on a 100,000-deep tree at the default stack size;
 * printing and parsing a dumpfile cost time quadratic in depth (every line holds its full path),
 * so those run on 5,000 levels in a thread with a 256 KiB stack, where a recursive walk cannot
 * fit and an iterative one needs a few frames.
 */
class DeepTreeWalkTest {
    static final Metadata DIR = new Metadata(0755, 0, 0, 0, 0, 1, List.of());
    static final Metadata FILE = new Metadata(0644, 0, 0, 0, 0, 2, List.of());

    /** {@code depth} directories named "d" under a root, a file "f" at the bottom, linked again as "/l". */
    static Directory chain(int depth) {
        Directory root = new Directory(DIR);
        Directory d = root;
        for (int i = 0; i < depth; i++) {
            Directory sub = new Directory(DIR);
            d.add(Bytes.of("d"), sub);
            d = sub;
        }
        RegularFile f = RegularFile.inline(FILE, Bytes.of("bottom\n"));
        d.add(Bytes.of("f"), f);
        root.addHardlink(Bytes.of("l"), f);
        return root;
    }

    @Test
    void hardlinksOfA100000DeepTree() {
        int depth = 100_000;
        Directory root = chain(depth);
        Hardlinks links = Hardlinks.of(root);
        Node f = root.get("l");
        String path = links.primaryPath(f);
        assertEquals(depth * 2 + 2, path.length());
        assertTrue(path.endsWith("/d/f"));
        assertTrue(!links.isPrimary(root, Bytes.of("l"), f), "the link in the root is not the primary name");
    }

    @Test
    void dumpfileOfA5000DeepTreePrintsAndParsesBack() throws Throwable {
        int depth = 5_000;
        Directory root = chain(depth);
        byte[] dump = inSmallStack(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DumpfilePrinter.print(root, out);
            return out.toByteArray();
        });
        List<String> lines = new String(dump, StandardCharsets.ISO_8859_1).lines().toList();
        // composefs-dump(5): root, then depth first in name order: "/d" before "/l", the chain, its file.
        assertEquals(1 + depth + 2, lines.size());
        assertTrue(lines.get(1).startsWith("/d "), lines.get(1));
        assertTrue(lines.get(depth).startsWith("/d".repeat(depth) + " "), "directory at depth " + depth);
        String file = "/d".repeat(depth) + "/f";
        assertTrue(lines.get(depth + 1).startsWith(file + " 7 100644 2 "), "the file, primary");
        assertTrue(lines.get(depth + 2).startsWith("/l 7 @100644 2 "), "the link, as an @ line");
        assertTrue(lines.get(depth + 2).contains(" " + file + " "), "the link's payload is the file's path");

        Directory parsed = inSmallStack(() -> DumpfileParser.parse(dump, DumpfileParser.Mode.STRICT));
        Directory d = parsed;
        for (int i = 0; i < depth; i++) {
            d = assertInstanceOf(Directory.class, d.get("d"), "level " + (i + 1));
        }
        assertTrue(d.get("f") == parsed.get("l"), "the hardlink is the same node");
    }

    interface Work<T> {
        T run() throws Exception;
    }

    /** Runs {@code work} in a thread whose stack holds a few hundred frames, not thousands. */
    static <T> T inSmallStack(Work<T> work) throws Throwable {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(work.run());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", 256 << 10);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }
}
