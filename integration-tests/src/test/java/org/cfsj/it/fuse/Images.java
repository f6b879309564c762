package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.RandomTrees;
import org.cfsj.testsupport.Result;
import org.cfsj.testsupport.TreeWriter;

/** Images built the way users build them ({@code cfsj mkcomposefs}), and their dumpfiles. */
final class Images {
    private Images() {}

    /** A source tree, the image made of it and the object directory holding its external files. */
    record Built(Path source, Path image, Path objects) {}

    /** A random source tree of about {@code entries} entries under {@code dir}, and its image. */
    static Built fromRandomTree(Path dir, long seed, int entries) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path src = dir.resolve("src");
        TreeWriter.write(new RandomTrees(seed, RandomTrees.Profile.ON_DISK).tree(entries), src);
        return mkcomposefs(src, dir.resolve("image.cfs"), dir.resolve("objects"));
    }

    static Built mkcomposefs(Path src, Path image, Path objects) throws IOException, InterruptedException {
        Result r = Cfsj.command("mkcomposefs", src.toString(), image.toString(), "--digest-store", objects.toString()).timeoutSeconds(300).run();
        assertEquals(0, r.exit(), "cfsj mkcomposefs " + src + ": " + r.describe());
        return new Built(src, image, objects);
    }

    /** {@code cfsj composefs-info dump IMAGE}. */
    static String imageDump(Path image) throws IOException, InterruptedException {
        Result r = Cfsj.command("composefs-info", "dump", image.toString()).timeoutSeconds(120).run();
        assertEquals(0, r.exit(), "cfsj composefs-info dump " + image + ": " + r.describe());
        return r.outLatin1();
    }

    /** {@code cfsj create-dumpfile DIR} of a mounted tree. */
    static String treeDump(Path dir) throws IOException, InterruptedException {
        Result r = Cfsj.command("create-dumpfile", dir.toString()).timeoutSeconds(300).run();
        assertEquals(0, r.exit(), "cfsj create-dumpfile " + dir + ": " + r.describe());
        return r.outLatin1();
    }

    /** Equal dumpfiles, or a failure showing the first differing lines (dumps are long). */
    static void assertSameDump(String expected, String actual, String ctx) {
        if (expected.equals(actual)) {
            return;
        }
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        StringBuilder msg = new StringBuilder(ctx + ": dumpfiles differ (" + e.size() + " vs " + a.size() + " lines)");
        int shown = 0;
        for (int i = 0; i < Math.max(e.size(), a.size()) && shown < 8; i++) {
            String el = i < e.size() ? e.get(i) : "<none>";
            String al = i < a.size() ? a.get(i) : "<none>";
            if (!el.equals(al)) {
                msg.append("\n  line ").append(i + 1).append("\n    expected: ").append(clip(el)).append("\n    actual:   ").append(clip(al));
                shown++;
            }
        }
        fail(msg.toString());
    }

    private static String clip(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }

    /** Fails unless the dump has every kind of entry the FUSE tests are meant to cover. */
    static java.util.Map<String, Integer> assertCoversEverything(String dump, String ctx) {
        java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
        for (String line : dump.lines().toList()) {
            String[] f = line.split(" ");
            String mode = f[2];
            String kind = mode.startsWith("@") ? "hardlink" : switch (Integer.parseInt(mode, 8) & 0170000) {
                case 0040000 -> "directory";
                case 0100000 -> Long.parseLong(f[1]) == 0 ? "empty file" : !f[8].equals("-") ? "external file" : "inline file";
                case 0120000 -> "symlink";
                case 0010000 -> "fifo";
                case 0020000 -> "char device";
                case 0060000 -> "block device";
                case 0140000 -> "socket";
                default -> "other";
            };
            seen.merge(kind, 1, Integer::sum);
            if (line.contains(" user.")) {
                seen.merge("user xattr", 1, Integer::sum);
            }
            if (line.contains(" trusted.")) {
                seen.merge("trusted xattr", 1, Integer::sum);
            }
        }
        for (String k : List.of("directory", "empty file", "inline file", "external file", "symlink", "fifo", "char device",
                "block device", "socket", "hardlink", "user xattr", "trusted xattr")) {
            if (!seen.containsKey(k)) {
                fail(ctx + ": the test tree has no " + k + " (" + seen + ")");
            }
        }
        return seen;
    }

    static byte[] bytes(String dump) {
        return dump.getBytes(StandardCharsets.ISO_8859_1);
    }
}
