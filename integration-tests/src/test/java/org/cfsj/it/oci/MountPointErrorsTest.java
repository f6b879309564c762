package org.cfsj.it.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cfsj oci mount} with a bad mount point says what is wrong with it, in one line, for both kinds of mount. */
class MountPointErrorsTest {
    @TempDir
    Path tmp;

    @Test
    void aBadMountPointIsNamedForWhatItIs() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: needs root (OCI layers with ownership)");
        Assumptions.assumeTrue(Command.onPath("tar"), "SKIPPED: GNU tar is not installed");
        TestImages images = new TestImages(tmp.resolve("images"));
        TestImages.Layer layer = images.tar(images.uniqueLayer("m", 3, 10_000));
        images.tag("m", images.image("amd64", List.of(layer), List.of(images.layerBlob(layer, TestImages.Codec.GZIP))), false);
        Path repo = tmp.resolve("repo");
        Result pull = Cfsj.run("--repo", repo.toString(), "oci", "pull", "-q", "oci:" + images.layout() + ":m", "m");
        assertEquals(0, pull.exit(), pull.describe());
        Path missing = tmp.resolve("missing");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        for (List<String> kind : List.of(List.<String>of(), List.of("--fuse"))) {
            expect(repo, kind, missing, missing + ": mount point does not exist");
            expect(repo, kind, file, file + ": mount point is not a directory");
        }
    }

    private static void expect(Path repo, List<String> kind, Path mountpoint, String message) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--repo", repo.toString(), "oci", "mount", "--insecure"));
        args.addAll(kind);
        args.addAll(List.of("m", mountpoint.toString()));
        Result r = Cfsj.run(args.toArray(String[]::new));
        assertEquals(1, r.exit(), r.describe());
        assertEquals("cfsj oci mount: " + message + "\n", r.err(), kind + ": " + r.describe());
    }
}
