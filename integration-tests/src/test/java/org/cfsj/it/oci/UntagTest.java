package org.cfsj.it.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cfsj oci untag} (and its alias {@code rm}) removes names only: while another name
 * reaches an image, gc frees nothing of it; once no name does, gc reclaims the image and all it
 * alone needed, leaving exactly what a repository holding only the other images holds.
 */
class UntagTest {
    @TempDir
    Path tmp;

    @Test
    void untaggingTheLastNameLetsGcReclaimTheImage() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "needs root (OCI layers with ownership)");
        Assumptions.assumeTrue(Command.onPath("tar"), "GNU tar is not installed");
        TestImages images = new TestImages(tmp.resolve("images"));
        TestImages.Layer appLayer = images.tar(images.uniqueLayer("app", 51, 40_000));
        TestImages.Layer keepLayer = images.tar(images.uniqueLayer("keep", 52, 40_000));
        TestImages.Manifest app = images.image("amd64", List.of(appLayer),
                List.of(images.layerBlob(appLayer, TestImages.Codec.GZIP)));
        TestImages.Manifest keep = images.image("amd64", List.of(keepLayer),
                List.of(images.layerBlob(keepLayer, TestImages.Codec.GZIP)));
        images.tag("app", app, false);
        images.tag("keep", keep, false);
        String layout = "oci:" + images.layout();

        Path repo = tmp.resolve("repo");
        String appId = pullOk(repo, layout + ":app", "one");
        assertEquals(appId, pullOk(repo, layout + ":app", "two:1"));
        pullOk(repo, layout + ":keep", "keep");
        ok(cfsj(repo, "gc")); // what the pulls themselves left behind
        List<String> objectsWithBoth = objects(repo);

        // tag adds names and stores nothing; untagging them takes nothing away
        Result tag = ok(cfsj(repo, "oci", "tag", "two:1", "three", "four:2"));
        assertEquals("", tag.outLatin1() + tag.err(), tag.describe());
        Result tagged = ok(cfsj(repo, "oci", "images"));
        for (String name : List.of("three ", "four:2 ")) {
            assertTrue(tagged.outLatin1().lines().anyMatch(l -> l.startsWith(name) && l.contains(appId)), tagged.describe());
        }
        assertEquals(objectsWithBoth, objects(repo));
        Result noSource = cfsj(repo, "oci", "tag", "nosuch", "five");
        assertEquals(1, noSource.exit(), noSource.describe());
        assertEquals("cfsj oci tag: no image named nosuch in " + repo + " (see 'cfsj oci images')\n", noSource.err(),
                noSource.describe());
        ok(cfsj(repo, "oci", "untag", "three", "four:2"));

        Result untag = ok(cfsj(repo, "oci", "untag", "one"));
        assertEquals("Untagged: one\n", untag.outLatin1(), untag.describe());
        Result list = ok(cfsj(repo, "oci", "images"));
        assertFalse(list.outLatin1().lines().anyMatch(l -> l.startsWith("one ")), list.describe());
        assertTrue(list.outLatin1().lines().anyMatch(l -> l.startsWith("two:1 ") && l.contains(appId)), list.describe());
        Result gc = ok(cfsj(repo, "gc"));
        assertTrue(gc.outLatin1().startsWith("removed 0 objects"), "another name still reaches everything: " + gc.describe());
        assertEquals(objectsWithBoth, objects(repo));
        assertTrue(ok(cfsj(repo, "images")).outLatin1().contains(appId));
        ok(cfsj(repo, "fsck"));

        Result rm = ok(cfsj(repo, "oci", "rm", "two:1"));
        assertEquals("Untagged: two:1\n", rm.outLatin1(), rm.describe());
        gc = ok(cfsj(repo, "gc"));
        assertFalse(gc.outLatin1().startsWith("removed 0 objects"), gc.describe());
        assertFalse(ok(cfsj(repo, "images")).outLatin1().contains(appId), "the image is gone");
        assertFalse(Files.exists(repo.resolve("images").resolve(appId)));
        ok(cfsj(repo, "fsck"));
        Result inspect = ok(cfsj(repo, "oci", "inspect", "keep"));
        assertTrue(inspect.outLatin1().contains("Manifest:    " + keep.digest()), inspect.describe());

        // Left is exactly what a repository that only ever pulled the other image holds.
        Path only = tmp.resolve("only");
        pullOk(only, layout + ":keep", "keep");
        ok(cfsj(only, "gc"));
        assertEquals(objects(only), objects(repo));

        // A missing name is one line and exit 1; the other names are still removed.
        Result missing = cfsj(repo, "oci", "untag", "nosuch", "keep");
        assertEquals(1, missing.exit(), missing.describe());
        assertEquals("cfsj oci untag: no image named nosuch\n", missing.err(), missing.describe());
        assertEquals("Untagged: keep\n", missing.outLatin1(), missing.describe());
        assertEquals(List.of("NAME"), ok(cfsj(repo, "oci", "images")).outLatin1().lines()
                .map(l -> l.split(" ")[0]).toList());
        ok(cfsj(repo, "gc"));
        assertEquals(List.of(), objects(repo));
    }

    /** Object files under {@code objects/}, as relative paths, sorted. */
    private static List<String> objects(Path repo) throws IOException {
        Path dir = repo.resolve("objects");
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static Result ok(Result r) {
        assertEquals(0, r.exit(), r.describe());
        return r;
    }

    private static String pullOk(Path repo, String source, String name) throws Exception {
        return ok(cfsj(repo, "oci", "pull", "-q", source, name)).outLatin1().strip();
    }

    private static Result cfsj(Path repo, String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("--repo", repo.toString()));
        all.addAll(List.of(args));
        return Cfsj.run(all.toArray(String[]::new));
    }
}
