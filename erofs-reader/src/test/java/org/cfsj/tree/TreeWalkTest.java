package org.cfsj.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link TreeWalk}: the order it visits entries in, the paths it reports, who decides to descend, any depth. */
class TreeWalkTest {
    static final Metadata DIR = new Metadata(0755, 0, 0, 0, 0, 1, List.of());
    static final Metadata FILE = new Metadata(0644, 0, 0, 0, 0, 1, List.of());

    static RegularFile file() {
        return RegularFile.inline(FILE, Bytes.of("x"));
    }

    @Test
    void visitsEntriesInNameOrderParentBeforeChildrenWithTheirPaths() {
        Directory root = new Directory(DIR);
        Directory a = new Directory(DIR);
        Directory sub = new Directory(DIR);
        // added out of order: the walk follows the directory's strcmp order, not insertion order
        root.add(Bytes.of("c"), file());
        root.add(Bytes.of("a"), a);
        root.add(Bytes.of("B"), file());
        a.add(Bytes.of("z"), file());
        a.add(Bytes.of("sub"), sub);
        sub.add(Bytes.of("\u00e9"), file());
        a.add(Bytes.of("a b"), file());

        List<String> visits = new ArrayList<>();
        TreeWalk.walk(root, (parent, name, node, path) -> {
            assertSame(parent.get(name), node, "node is the parent's entry for name");
            visits.add(path + " in " + (parent == root ? "root" : parent == a ? "a" : parent == sub ? "sub" : "?")
                    + " as " + Bytes.str(name));
            return true;
        });
        assertEquals(List.of(
                "/B in root as B",
                "/a in root as a",
                "/a/a b in a as a b",
                "/a/sub in a as sub",
                "/a/sub/\u00e9 in sub as \u00e9",
                "/a/z in a as z",
                "/c in root as c"), visits);
    }

    @Test
    void pathBytesAreTheNamesJoinedBySlashes() {
        Directory root = new Directory(DIR);
        Directory d = new Directory(DIR);
        byte[] odd = {(byte) 0xff, 'x', (byte) 0x80};
        root.add(odd, d);
        d.add(Bytes.of("f"), file());
        List<byte[]> paths = new ArrayList<>();
        TreeWalk.walk(root, (parent, name, node, path) -> paths.add(path.toBytes()));
        assertEquals(2, paths.size());
        assertEquals(List.of((byte) '/', (byte) 0xff, (byte) 'x', (byte) 0x80), boxed(paths.get(0)));
        assertEquals(List.of((byte) '/', (byte) 0xff, (byte) 'x', (byte) 0x80, (byte) '/', (byte) 'f'), boxed(paths.get(1)));
    }

    @Test
    void theVisitorDecidesWhichDirectoriesToEnter() {
        // one directory node under two names, as a crafted tree can hold: entered only where the visitor says
        Directory root = new Directory(DIR);
        Directory shared = new Directory(DIR);
        shared.add(Bytes.of("inside"), file());
        root.put(Bytes.of("first"), shared);
        root.put(Bytes.of("second"), shared);
        root.add(Bytes.of("skipped"), new Directory(DIR));
        ((Directory) root.get("skipped")).add(Bytes.of("never"), file());

        List<String> visits = new ArrayList<>();
        TreeWalk.walk(root, (parent, name, node, path) -> {
            visits.add(path.toString());
            return !path.toString().equals("/first") && !path.toString().equals("/skipped");
        });
        assertEquals(List.of("/first", "/second", "/second/inside", "/skipped"), visits);

        visits.clear();
        TreeWalk.walk(root, (parent, name, node, path) -> visits.add(path.toString()));
        assertEquals(List.of("/first", "/first/inside", "/second", "/second/inside", "/skipped", "/skipped/never"), visits);
    }

    @Test
    void theVisitorsExceptionEndsTheWalk() {
        Directory root = new Directory(DIR);
        root.add(Bytes.of("a"), file());
        root.add(Bytes.of("b"), file());
        AtomicInteger seen = new AtomicInteger();
        IOException e = assertThrows(IOException.class, () -> TreeWalk.walk(root, (parent, name, node, path) -> {
            seen.incrementAndGet();
            throw new IOException("stop at " + path);
        }));
        assertEquals("stop at /a", e.getMessage());
        assertEquals(1, seen.get());
    }

    @Test
    void aChainOf100000DirectoriesWalksInA256KiBStack() throws Throwable {
        int depth = 100_000;
        Directory root = new Directory(DIR);
        Directory d = root;
        for (int i = 0; i < depth; i++) {
            Directory sub = new Directory(DIR);
            d.add(Bytes.of("d"), sub);
            d = sub;
        }
        Directory bottom = d;
        bottom.add(Bytes.of("f"), file());
        root.add(Bytes.of("z"), file());

        AtomicInteger visits = new AtomicInteger();
        AtomicReference<String> deepest = new AtomicReference<>();
        AtomicReference<String> last = new AtomicReference<>();
        AtomicReference<String> wrongLength = new AtomicReference<>();
        inSmallStack(() -> TreeWalk.walk(root, (parent, name, node, path) -> {
            int n = visits.incrementAndGet();
            // the n-th visit down the chain is at depth n: "/d" n times (then "/f", then "/z" at the top)
            int expected = n <= depth + 1 ? 2 * n : 2;
            if (path.length() != expected && wrongLength.get() == null) {
                wrongLength.set("visit " + n + ": path length " + path.length() + ", expected " + expected);
            }
            if (parent == bottom) {
                deepest.set(path.toString());
            }
            // no string per visit: a copy of every path would cost time quadratic in depth
            last.set(path.length() <= 2 ? path.toString() : null);
            return true;
        }));
        assertEquals(null, wrongLength.get());
        assertEquals(depth + 2, visits.get());
        assertEquals("/d".repeat(depth) + "/f", deepest.get());
        assertEquals("/z", last.get(), "the root's next entry comes after the whole chain");
    }

    static List<Byte> boxed(byte[] b) {
        List<Byte> out = new ArrayList<>();
        for (byte x : b) {
            out.add(x);
        }
        return out;
    }

    interface Work {
        void run() throws Exception;
    }

    /** Runs {@code work} in a thread whose 256 KiB stack holds a few thousand frames, far fewer than 100,000. */
    static void inSmallStack(Work work) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                work.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", 256 << 10);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
    }
}
