package org.cfsj.it.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cfsj.it.TestRegistry;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code fsverity-sha512-12} repository (composefs-rs's default) end to end with real parts:
 * {@code cfsj init --algorithm}, a pull from Debian's docker-registry, objects named by sha512
 * fs-verity digests (checked against fsverity-utils), fsck (also finding a changed object), gc,
 * a FUSE mount checking objects with sha512 in user space, and the kernel's composefs mount
 * (EROFS + overlayfs) reading the image's sha512 metacopy xattrs. This kernel has no fs-verity,
 * so the kernel mount is made with {@code --insecure} (no {@code verity=require}): the kernel
 * parses the sha512 metacopy values and follows their redirects, but checks no digest.
 */
class Sha512RepositoryTest {
    private static Path work;
    private static TestRegistry registry;
    private static Path expected;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildAndPush() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: the sha512 repository test needs root (device nodes, mounts)");
        Assumptions.assumeTrue(TestRegistry.available(), "SKIPPED: docker-registry is not installed (apt-get install docker-registry)");
        for (String tool : List.of("skopeo", "tar", "setfattr", "mknod", "mkfifo", "fsverity")) {
            Assumptions.assumeTrue(Command.onPath(tool), "SKIPPED: " + tool + " is not installed (.ci/run installs it)");
        }
        Assumptions.assumeTrue(Files.isExecutable(Path.of(TestImages.BUSYBOX)), "SKIPPED: busybox-static is not installed");
        work = Files.createTempDirectory("cfsj-sha512-it");
        registry = TestRegistry.start(work.resolve("registry"));
        TestImages images = new TestImages(work.resolve("images"));
        List<TestImages.Layer> layers = List.of(images.tar(images.baseLayer()), images.tar(images.secondLayer()),
                images.tar(images.bulkLayer("bulk", 31, 6, 200_000)));
        List<String> blobs = new ArrayList<>();
        for (TestImages.Layer l : layers) {
            blobs.add(images.layerBlob(l, TestImages.Codec.GZIP));
        }
        images.tag("bb", images.image("amd64", layers, blobs), false);
        Command.of("skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:" + images.layout() + ":bb",
                "docker://" + registry.host() + "/bb512:1").check();
        expected = images.expectedTree("bb512", layers);
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (work != null) {
            Command.of(List.of("rm", "-rf", work.toString())).timeoutSeconds(60).run();
        }
    }

    private static Result cfsj(Path repo, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--repo", repo.toString()));
        all.addAll(List.of(args));
        return Cfsj.run(all.toArray(String[]::new));
    }

    private static Result ok(Result r) {
        assertEquals(0, r.exit(), r.describe());
        return r;
    }

    @Test
    void pullFsckGcAndBothMountsOfASha512Repository() throws Exception {
        Path repo = tmp.resolve("repo");
        Result init = ok(cfsj(repo, "init", "--algorithm", "fsverity-sha512-12"));
        assertTrue(init.outLatin1().contains("(fsverity-sha512-12)"), init.outLatin1());
        assertTrue(Files.readString(repo.resolve("meta.json")).contains("\"algorithm\" : \"fsverity-sha512-12\""));

        String id = ok(cfsj(repo, "oci", "pull", "--quiet", "docker://" + registry.host() + "/bb512:1", "bb"))
                .outLatin1().strip();
        assertTrue(id.matches("[0-9a-f]{128}"), "the image id is a sha512 fs-verity digest: " + id);
        assertTrue(Files.isSymbolicLink(repo.resolve("images").resolve(id)));

        // every object is named by its sha512 fs-verity digest, as fsverity-utils computes it
        List<Path> objects;
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            objects = s.filter(Files::isRegularFile).toList();
        }
        assertTrue(objects.size() > 10, "objects: " + objects.size());
        for (Path o : objects.subList(0, 10)) {
            String name = o.getParent().getFileName().toString() + o.getFileName();
            assertEquals(128, name.length(), o.toString());
            Result d = Command.of("fsverity", "digest", "--hash-alg=sha512", o.toString()).run();
            assertEquals(0, d.exit(), d.describe());
            assertEquals("sha512:" + name + " " + o, d.outLatin1().strip());
        }

        // the image carries sha512 digests (128 hex digits in the dump's digest field)
        Result dump = ok(Cfsj.run("composefs-info", "dump", repo.resolve("images").resolve(id).toString()));
        assertTrue(dump.outLatin1().lines().anyMatch(l -> l.matches(".* [0-9a-f]{2}/[0-9a-f]{126} - [0-9a-f]{128}")),
                "external files name sha512 objects:\n" + dump.outLatin1().lines().limit(20).toList());

        ok(cfsj(repo, "fsck"));
        List<Path> fileObjects = new ArrayList<>();
        for (Path o : objects) {
            if (!isSplitStream(o)) {
                fileObjects.add(o);
            }
        }
        ok(cfsj(repo, "gc"));
        for (Path o : objects) {
            assertTrue(Files.isRegularFile(o), "gc kept every object the named image reaches: " + o);
        }
        ok(cfsj(repo, "fsck"));

        Path fuse = Files.createDirectories(tmp.resolve("fuse"));
        Path kernel = Files.createDirectories(tmp.resolve("kernel"));
        ok(cfsj(repo, "oci", "mount", "--fuse", "bb", fuse.toString()));
        try {
            ok(cfsj(repo, "oci", "mount", "--insecure", "bb", kernel.toString()));
            try {
                String viaFuse = OciPullTest.normalize(ok(Cfsj.run("create-dumpfile", fuse.toString())).outLatin1());
                String viaKernel = OciPullTest.normalize(ok(Cfsj.run("create-dumpfile", kernel.toString())).outLatin1());
                String want = OciPullTest.normalize(ok(Cfsj.run("create-dumpfile", expected.toString())).outLatin1());
                assertEquals(want.lines().skip(1).toList(), viaFuse.lines().skip(1).toList(),
                        "the FUSE mount (sha512 checked in user space) shows the layers' tree, contents included");
                assertEquals(viaKernel, viaFuse, "the kernel mount reads the sha512 metacopy xattrs to the same tree");
                assertArrayEquals(Files.readAllBytes(expected.resolve("bin/busybox")),
                        Files.readAllBytes(kernel.resolve("bin/busybox")));
            } finally {
                unmount(kernel);
            }
        } finally {
            unmount(fuse);
        }

        // a changed object: fsck finds it by its sha512 name, and exits 1
        Path victim = fileObjects.stream().filter(p -> {
            try {
                return Files.size(p) > 100_000 && !isSplitStream(p);
            } catch (java.io.IOException e) {
                return false;
            }
        }).findFirst().orElseThrow();
        byte[] data = Files.readAllBytes(victim);
        data[1000] ^= 1;
        Files.write(victim, data);
        Result bad = cfsj(repo, "fsck");
        assertEquals(1, bad.exit(), bad.describe());
        String victimName = victim.getParent().getFileName().toString() + victim.getFileName();
        assertTrue(bad.outLatin1().contains(victimName) || bad.err().contains(victimName), bad.describe());
    }

    @Test
    void computeDigestTakesTheRepositoryAlgorithmName() throws Exception {
        Path f = tmp.resolve("f");
        Files.write(f, "hello world".getBytes(StandardCharsets.US_ASCII));
        Result r = ok(Cfsj.run("compute-digest", "--algorithm", "fsverity-sha512-12", f.toString()));
        Result ref = Command.of("fsverity", "digest", "--hash-alg=sha512", f.toString()).run();
        assertEquals(0, ref.exit(), ref.describe());
        assertEquals(ref.outLatin1().strip(), r.outLatin1().strip());
        assertTrue(r.outLatin1().startsWith("sha512:18430270729d162d"), r.outLatin1());
        Result bad = Cfsj.run("compute-digest", "--algorithm", "fsverity-sha512-12", "--hash-alg", "sha256", f.toString());
        assertEquals(2, bad.exit(), bad.describe());
        Result unknown = Cfsj.run("compute-digest", "--algorithm", "fsverity-sha1-12", f.toString());
        assertEquals(2, unknown.exit(), unknown.describe());
    }

    private static boolean isSplitStream(Path p) throws java.io.IOException {
        try (var in = Files.newInputStream(p)) {
            return new String(in.readNBytes(11), StandardCharsets.US_ASCII).equals("SplitStream");
        }
    }

    private static void unmount(Path mnt) throws Exception {
        Result u = Cfsj.run("umount", mnt.toString());
        if (u.exit() != 0) {
            Command.of(List.of("umount", "-l", mnt.toString())).timeoutSeconds(60).run();
        }
        assertEquals(0, u.exit(), "cfsj umount " + mnt + ": " + u.describe());
    }
}
