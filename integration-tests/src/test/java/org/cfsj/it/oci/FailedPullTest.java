package org.cfsj.it.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull that fails while building its composefs image leaves the name it was to set, and all
 * that name reaches, as they were (issue 11, item 5): the good image stays listed under the
 * name, survives gc, and can still be inspected and mounted.
 *
 * <p>The failure is a real one of the build's last step: the composefs image cannot be linked
 * because {@code images/<id>} is taken by a directory. The id is known beforehand because it
 * is a function of the layers alone (the same pull into a scratch repository prints it). This
 * stands for any failure between storing the manifest and naming the image (disk full while the
 * image is written, a crash, a kill): they all happen before the name may move.
 */
class FailedPullTest {
    @TempDir
    Path tmp;

    /** A pull stores each stream once: right after pulling an image (twice), gc finds nothing to remove. */
    @Test
    void pullingAnImageTwiceLeavesNothingForGc() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: needs root (OCI layers with ownership)");
        Assumptions.assumeTrue(Command.onPath("tar"), "SKIPPED: GNU tar is not installed");
        TestImages images = new TestImages(tmp.resolve("images"));
        TestImages.Layer layer = images.tar(images.uniqueLayer("one", 7, 40_000));
        images.tag("one", images.image("amd64", List.of(layer), List.of(images.layerBlob(layer, TestImages.Codec.GZIP))),
                false);
        Path repo = tmp.resolve("repo");
        for (int pull = 1; pull <= 2; pull++) {
            String id = pullOk(repo, "oci:" + images.layout() + ":one", "one");
            Result gc = cfsj(repo, "gc", "--dry-run");
            assertEquals(0, gc.exit(), gc.describe());
            assertTrue(gc.outLatin1().contains("would remove 0 objects"), "after pull " + pull + ": " + gc.describe());
            assertTrue(id.matches("[0-9a-f]{64}"), id);
        }
    }

    /** What went wrong on the network, said as such: no TLS hint for a port where nothing listens. */
    @Test
    void unreachableRegistriesSayWhy() throws Exception {
        Result unknown = cfsj(tmp.resolve("r1"), "oci", "pull", "docker://no-such-registry.invalid/x:1");
        assertEquals(1, unknown.exit(), unknown.describe());
        assertEquals("cfsj oci pull: no-such-registry.invalid: cannot resolve the host name no-such-registry.invalid"
                + " (name resolution failed: check the name and the network)", unknown.err().lines()
                .filter(l -> l.startsWith("cfsj oci pull:")).findFirst().orElse(unknown.err()));
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Result closed = cfsj(tmp.resolve("r2"), "oci", "pull", "docker://127.0.0.1:" + port + "/x:1");
        assertEquals(1, closed.exit(), closed.describe());
        assertTrue(closed.err().contains("cfsj oci pull: 127.0.0.1:" + port + ": nothing listens there (connection refused)"),
                closed.describe());
        assertFalse(closed.err().contains("--tls-verify"), "no TLS hint for a closed port: " + closed.describe());
    }

    /** The first pull into a missing repository creates it and says so once; --quiet says nothing. */
    @Test
    void theFirstPullCreatesTheRepositoryAndSaysSo() throws Exception {
        Path repo = tmp.resolve("new-repo");
        Result first = cfsj(repo, "oci", "pull", "docker://no-such-registry.invalid/x:1");
        assertTrue(first.err().startsWith("cfsj: created the repository " + repo + "\n"), first.describe());
        assertTrue(Files.isDirectory(repo.resolve("objects")), "created: " + first.describe());
        Result second = cfsj(repo, "oci", "pull", "docker://no-such-registry.invalid/x:1");
        assertFalse(second.err().contains("created the repository"), "only once: " + second.describe());
        Result quiet = cfsj(tmp.resolve("quiet-repo"), "oci", "pull", "-q", "docker://no-such-registry.invalid/x:1");
        assertFalse(quiet.err().contains("created the repository"), quiet.describe());
    }

    @Test
    void aPullThatFailsToBuildItsImageLeavesTheNameOnTheGoodImage() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "needs root (OCI layers with ownership, FUSE mount)");
        Assumptions.assumeTrue(Command.onPath("tar"), "GNU tar is not installed");
        TestImages images = new TestImages(tmp.resolve("images"));
        TestImages.Layer good = images.tar(images.uniqueLayer("good", 41, 40_000));
        TestImages.Layer bad = images.tar(images.uniqueLayer("bad", 42, 40_000));
        TestImages.Manifest goodManifest = images.image("amd64", List.of(good),
                List.of(images.layerBlob(good, TestImages.Codec.GZIP)));
        TestImages.Manifest badManifest = images.image("amd64", List.of(bad),
                List.of(images.layerBlob(bad, TestImages.Codec.GZIP)));
        images.tag("good", goodManifest, false);
        images.tag("bad", badManifest, false);
        String layout = "oci:" + images.layout();

        String badId = pullOk(tmp.resolve("scratch"), layout + ":bad", "x");
        Path repo = tmp.resolve("repo");
        String goodId = pullOk(repo, layout + ":good", "app:1");
        assertNotEquals(goodId, badId);

        Files.createDirectories(repo.resolve("images").resolve(badId).resolve("taken"));
        Result failed = cfsj(repo, "oci", "pull", "-q", layout + ":bad", "app:1");
        assertEquals(1, failed.exit(), failed.describe());
        assertTrue(failed.err().startsWith("cfsj oci pull: ") && failed.err().strip().lines().count() == 1,
                "one line of error: " + failed.describe());

        assertNamesGoodImage(repo, goodManifest, goodId);
        Result gc = cfsj(repo, "gc");
        assertEquals(0, gc.exit(), gc.describe());
        assertNamesGoodImage(repo, goodManifest, goodId);
        Result fsck = cfsj(repo, "fsck");
        assertEquals(0, fsck.exit(), fsck.describe());

        Result inspect = cfsj(repo, "oci", "inspect", "app:1");
        assertEquals(0, inspect.exit(), inspect.describe());
        assertTrue(inspect.outLatin1().contains("Manifest:    " + goodManifest.digest()), inspect.describe());
        assertTrue(inspect.outLatin1().contains("Image id:    " + goodId), inspect.describe());

        if (Files.exists(Path.of("/dev/fuse"))) {
            Path mnt = Files.createDirectories(tmp.resolve("mnt"));
            Result mount = cfsj(repo, "oci", "mount", "--fuse", "app:1", mnt.toString());
            assertEquals(0, mount.exit(), mount.describe());
            try {
                assertTrue(java.util.Arrays.equals(Files.readAllBytes(good.dir().resolve("unique/good")),
                        Files.readAllBytes(mnt.resolve("unique/good"))), "the good image's file through the mount");
            } finally {
                Result u = Cfsj.run("umount", mnt.toString());
                if (u.exit() != 0) {
                    Command.of(List.of("umount", "-l", mnt.toString())).timeoutSeconds(60).run();
                }
                assertEquals(0, u.exit(), u.describe());
            }
        }

        // Once the obstacle is gone the same pull succeeds and moves the name.
        Command.of(List.of("rm", "-r", repo.resolve("images").resolve(badId).toString())).timeoutSeconds(60).run();
        assertEquals(badId, pullOk(repo, layout + ":bad", "app:1"));
        Result list = cfsj(repo, "oci", "images");
        assertTrue(list.outLatin1().lines().anyMatch(l -> l.startsWith("app:1 ") && l.contains(badId)), list.describe());
    }

    private static void assertNamesGoodImage(Path repo, TestImages.Manifest goodManifest, String goodId)
            throws Exception {
        Result list = cfsj(repo, "oci", "images");
        assertEquals(0, list.exit(), list.describe());
        assertTrue(list.outLatin1().lines().anyMatch(l -> l.startsWith("app:1 ") && l.contains(goodId)),
                "app:1 still names the good image: " + list.describe());
        Result built = cfsj(repo, "images");
        assertTrue(built.outLatin1().contains(goodId), "the good composefs image is still there: " + built.describe());
        Result inspect = cfsj(repo, "oci", "inspect", goodManifest.digest());
        assertEquals(0, inspect.exit(), inspect.describe());
    }

    private static String pullOk(Path repo, String source, String name) throws Exception {
        Result r = cfsj(repo, "oci", "pull", "-q", source, name);
        assertEquals(0, r.exit(), r.describe());
        return r.outLatin1().strip();
    }

    private static Result cfsj(Path repo, String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("--repo", repo.toString()));
        all.addAll(List.of(args));
        return Cfsj.run(all.toArray(String[]::new));
    }
}
