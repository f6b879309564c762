package org.cfsj.it.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
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
 * {@code cfsj oci pull} against real parts: Debian's docker-registry on a free loopback port,
 * images built here from real files and pushed with skopeo, the packaged cfsj CLI in its own
 * JVM, and (for mounts) the kernel's FUSE, EROFS and overlayfs.
 */
class OciPullTest {
    private static Path work;
    private static TestRegistry registry;
    private static TestImages images;
    private static List<TestImages.Layer> busyboxLayers;
    private static TestImages.Layer armLayer;
    private static TestImages.Layer tamperLayer;
    private static TestImages.Manifest tamperManifest;
    private static String tamperBlob;
    private static List<String> busyboxLayerBlobs;
    private static Path expectedBusybox;
    private static Path expectedArm;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildAndPush() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "OCI pull tests need root (device nodes, ownership, mounts)");
        Assumptions.assumeTrue(TestRegistry.available(), "docker-registry is not installed (apt-get install docker-registry)");
        for (String tool : List.of("skopeo", "tar", "setfattr", "mknod", "mkfifo")) {
            Assumptions.assumeTrue(Command.onPath(tool), tool + " is not installed (.ci/run installs it)");
        }
        Assumptions.assumeTrue(Files.isExecutable(Path.of(TestImages.BUSYBOX)), "busybox-static is not installed");
        work = Files.createTempDirectory("cfsj-oci-it");
        registry = TestRegistry.start(work.resolve("registry"));
        images = new TestImages(work.resolve("images"));

        busyboxLayers = List.of(images.tar(images.baseLayer()), images.tar(images.secondLayer()), images.tar(images.thirdLayer()));
        List<String> gz = new ArrayList<>();
        List<String> zst = new ArrayList<>();
        for (TestImages.Layer l : busyboxLayers) {
            gz.add(images.layerBlob(l, TestImages.Codec.GZIP));
            zst.add(images.layerBlob(l, TestImages.Codec.ZSTD));
        }
        busyboxLayerBlobs = gz.stream().map(OciPullTest::digestOf).toList();
        TestImages.Manifest bb = images.image("amd64", busyboxLayers, gz);
        images.tag("bb", bb, false);
        images.tag("bbz", images.image("amd64", busyboxLayers, zst), false);

        armLayer = images.tar(images.uniqueLayer("armonly", 11, 4000));
        TestImages.Manifest arm = images.image("arm64", List.of(busyboxLayers.get(0), armLayer),
                List.of(gz.get(0), images.layerBlob(armLayer, TestImages.Codec.GZIP)));
        images.tag("multi", images.index(List.of(bb, arm), List.of("linux/amd64", "linux/arm64/v8")), true);

        tamperLayer = images.tar(images.uniqueLayer("tamper", 12, 50_000));
        String tamperDesc = images.layerBlob(tamperLayer, TestImages.Codec.GZIP);
        tamperBlob = digestOf(tamperDesc);
        tamperManifest = images.image("amd64", List.of(tamperLayer), List.of(tamperDesc));
        images.tag("tamper", tamperManifest, false);

        List<TestImages.Layer> bulk = new ArrayList<>();
        List<String> bulkBlobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TestImages.Layer l = images.tar(images.bulkLayer("bulk" + i, 20 + i, 10, 1 << 20));
            bulk.add(l);
            bulkBlobs.add(images.layerBlob(l, TestImages.Codec.GZIP));
        }
        images.tag("big", images.image("amd64", bulk, bulkBlobs), false);

        String layout = "oci:" + images.layout();
        String reg = "docker://" + registry.host();
        push(layout + ":bb", reg + "/bb:1");
        push(layout + ":bbz", reg + "/bbz:1");
        push(layout + ":tamper", reg + "/tamper:1");
        push(layout + ":big", reg + "/big:1");
        Command.of("skopeo", "copy", "-q", "--dest-tls-verify=false", "--format", "v2s2", layout + ":bb", reg + "/bb-v2s2:1").check();
        Command.of("skopeo", "copy", "-q", "--dest-tls-verify=false", "--all", layout + ":multi", reg + "/multi:1").check();

        expectedBusybox = images.expectedTree("busybox", busyboxLayers);
        expectedArm = images.expectedTree("arm", List.of(busyboxLayers.get(0), armLayer));
    }

    private static void push(String from, String to) throws IOException, InterruptedException {
        Command.of("skopeo", "copy", "-q", "--dest-tls-verify=false", from, to).check();
    }

    private static String digestOf(String descriptorJson) {
        int i = descriptorJson.indexOf("sha256:");
        return descriptorJson.substring(i, i + 71);
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (work != null) {
            Command.of(List.of("rm", "-rf", work.toString())).timeoutSeconds(60).run();
        }
    }

    private String reg(String repoAndTag) {
        return "docker://" + registry.host() + "/" + repoAndTag;
    }

    /** Pulls with the CLI and returns the image id it prints. */
    private static String pull(Path repo, String source, String name, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "pull", "--quiet"));
        args.addAll(List.of(extra));
        args.add(source);
        args.add(name);
        Result r = Cfsj.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), "pull " + source + ": " + r.describe());
        String id = r.outLatin1().strip();
        assertTrue(id.matches("[0-9a-f]{64}"), "pull prints the image id, not: " + r.outLatin1());
        return id;
    }

    private static Path imageFile(Path repo, String id) {
        return repo.resolve("images").resolve(id);
    }

    /**
     * A dumpfile with the only field that depends on the filesystem rather than on the tree
     * (a directory's size) blanked.
     */
    static String normalize(String dump) {
        StringBuilder sb = new StringBuilder();
        for (String line : dump.split("\n")) {
            String[] f = line.split(" ", -1);
            if (f.length > 3 && f[2].startsWith("4")) {
                f[1] = "0";
            }
            sb.append(String.join(" ", f)).append('\n');
        }
        return sb.toString();
    }

    private static String dumpOfImage(Path repo, String id) throws Exception {
        Result r = Cfsj.run("composefs-info", "dump", imageFile(repo, id).toString());
        assertEquals(0, r.exit(), r.describe());
        return normalize(r.outLatin1());
    }

    private static String dumpOfDirectory(Path dir) throws Exception {
        Result r = Cfsj.run("create-dumpfile", dir.toString());
        assertEquals(0, r.exit(), r.describe());
        return normalize(r.outLatin1());
    }

    @Test
    void everyVariantPullsToTheExpectedTree() throws Exception {
        Path repo = tmp.resolve("repo");
        String expected = dumpOfDirectory(expectedBusybox);
        String gzip = pull(repo, reg("bb:1"), "bb");
        assertEquals(expected, dumpOfImage(repo, gzip), "gzip OCI image vs the tree its layers were made from");
        // The same layers compressed with zstd, or described by a Docker v2s2 manifest, or
        // reached through an index: the same tree, hence the same image id.
        assertEquals(gzip, pull(repo, reg("bbz:1"), "bbz"));
        assertEquals(gzip, pull(repo, reg("bb-v2s2:1"), "bb-v2s2"));
        assertEquals(gzip, pull(repo, reg("multi:1"), "multi-amd64", "--platform", "linux/amd64"));
        String arm = pull(repo, reg("multi:1"), "multi-arm64", "--platform", "linux/arm64");
        assertNotEquals(gzip, arm);
        assertEquals(dumpOfDirectory(expectedArm), dumpOfImage(repo, arm), "arm64 entry of the index");
        Result inspect = Cfsj.run("--repo", repo.toString(), "oci", "inspect", "bb-v2s2", "--json");
        assertEquals(0, inspect.exit(), inspect.describe());
        assertTrue(inspect.outLatin1().contains("application/vnd.docker.distribution.manifest.v2+json"), inspect.outLatin1());
        assertTrue(inspect.outLatin1().contains(busyboxLayers.get(2).diffId()), inspect.outLatin1());
        Result fsck = Cfsj.run("--repo", repo.toString(), "fsck");
        assertEquals(0, fsck.exit(), fsck.describe());
    }

    @Test
    void exportLayerRebuildsEachDiffId() throws Exception {
        Path repo = tmp.resolve("repo");
        pull(repo, reg("bbz:1"), "bbz");
        for (TestImages.Layer l : busyboxLayers) {
            Path out = tmp.resolve("export.tar");
            assertEquals(0, Cfsj.command("--repo", repo.toString(), "oci", "export-layer", "bbz", l.diffId()).stdoutTo(out).run().exit());
            assertEquals(l.diffId(), "sha256:" + TestImages.sha256(out));
        }
        // the forms users paste: the layer number inspect lists, and short digests as pull prints them
        Result inspect = Cfsj.run("--repo", repo.toString(), "oci", "inspect", "bbz");
        java.util.regex.Matcher blob = java.util.regex.Pattern.compile("\\n\\s+2\\s+sha256:([0-9a-f]{64})").matcher(inspect.out());
        assertTrue(blob.find(), inspect.out());
        String second = busyboxLayers.get(1).diffId();
        for (String form : List.of("2", second.substring(0, "sha256:".length() + 12), second.substring("sha256:".length(), 7 + 20),
                blob.group(1).substring(0, 12))) {
            Path out = tmp.resolve("export-" + form.replace(':', '-') + ".tar");
            Result r = Cfsj.command("--repo", repo.toString(), "oci", "export-layer", "bbz", form).stdoutTo(out).run();
            assertEquals(0, r.exit(), form + ": " + r.describe());
            assertEquals(second, "sha256:" + TestImages.sha256(out), form);
        }
        for (String bad : List.of("0", String.valueOf(busyboxLayers.size() + 1), "abc", "sha256:0123456789ab")) {
            Result r = Cfsj.command("--repo", repo.toString(), "oci", "export-layer", "bbz", bad).stdoutTo(tmp.resolve("bad.tar")).run();
            assertEquals(1, r.exit(), bad + ": " + r.describe());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
    }

    @Test
    void secondPullDownloadsNoLayer() throws Exception {
        Path repo = tmp.resolve("repo");
        pull(repo, reg("bb:1"), "bb");
        long before = registry.blobGets(busyboxLayerBlobs);
        assertTrue(before >= 3, "the first pull fetched the layers (" + before + " GETs logged)");
        String id = pull(repo, reg("bb:1"), "bb");
        pull(repo, reg("bb-v2s2:1"), "other-name");
        assertEquals(before, registry.blobGets(busyboxLayerBlobs), "layers already present were downloaded again");
        assertEquals(id, pull(repo, reg("bb:1"), "bb"));
    }

    @Test
    void ociLayoutAndRegistryGiveTheSameImage() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        String fromLayout = pull(a, "oci:" + images.layout() + ":bb", "bb");
        String fromRegistry = pull(b, reg("bb:1"), "bb");
        assertEquals(fromLayout, fromRegistry);
        Result ia = Cfsj.run("--repo", a.toString(), "oci", "inspect", "bb", "--json");
        Result ib = Cfsj.run("--repo", b.toString(), "oci", "inspect", "bb", "--json");
        assertEquals(0, ia.exit(), ia.describe());
        assertEquals(ia.outLatin1(), ib.outLatin1(), "same manifest and config bytes from both sources");
    }

    @Test
    void archivesWrittenBySkopeoGiveTheSameImage() throws Exception {
        String fromLayout = pull(tmp.resolve("a"), "oci:" + images.layout() + ":bb", "bb");
        Path ociArchive = tmp.resolve("bb-oci.tar");
        Path dockerArchive = tmp.resolve("bb-docker.tar");
        Command.of("skopeo", "copy", "-q", "oci:" + images.layout() + ":bb", "oci-archive:" + ociArchive + ":bb").check();
        Command.of("skopeo", "copy", "-q", "oci:" + images.layout() + ":bb", "docker-archive:" + dockerArchive + ":bb:latest").check();
        assertEquals(fromLayout, pull(tmp.resolve("b"), "oci-archive:" + ociArchive + ":bb", "bb"), "oci-archive from skopeo");
        assertEquals(fromLayout, pull(tmp.resolve("c"), "docker-archive:" + dockerArchive, "bb"), "docker-archive from skopeo");
    }

    @Test
    void tamperedBlobIsRejectedAndNothingIsNamed() throws Exception {
        Path data = registry.blobData(tamperBlob);
        byte[] original = Files.readAllBytes(data);
        byte[] changed = original.clone();
        changed[changed.length / 2] ^= 0x55;
        Files.write(data, changed);
        try {
            Path repo = tmp.resolve("repo");
            Result r = Cfsj.run("--repo", repo.toString(), "oci", "pull", "--quiet", reg("tamper:1"), "tamper");
            assertEquals(1, r.exit(), r.describe());
            assertTrue(r.err().contains("digest mismatch") && r.err().contains(tamperBlob), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
            Result inspect = Cfsj.run("--repo", repo.toString(), "oci", "inspect", "tamper");
            assertNotEquals(0, inspect.exit(), "the ref must not exist: " + inspect.describe());
            Result list = Cfsj.run("--repo", repo.toString(), "oci", "images");
            assertFalse(list.outLatin1().contains("tamper"), list.outLatin1());
            assertTrue(Command.of(List.of("find", repo.resolve("streams").toString(), "-name", "*" + tamperLayer.diffId().substring(7) + "*")).timeoutSeconds(30).run()
                    .outLatin1().isBlank(), "no layer stream was linked for the tampered layer");
            Result fsck = Cfsj.run("--repo", repo.toString(), "fsck");
            assertEquals(0, fsck.exit(), fsck.describe());
        } finally {
            Files.write(data, original);
        }
    }

    @Test
    void killedPullsLeaveAConsistentRepository() throws Exception {
        Path repo = tmp.resolve("repo");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<String> cmd = new ArrayList<>(Cfsj.argv(List.of("--repo", repo.toString(), "oci", "pull", "--quiet", reg("big:1"), "big")));
        // a JVM killed at a random moment cannot clean up its temp files (zstd-jni extracts its
        // native library there): keep them in this test's directory, not in /tmp
        cmd.add(1, "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("killed-jvm-tmp")));
        // Kill moments are drawn from the length of a whole first pull, so they land in every
        // phase; a pull that finished before its kill does not count, and its repository is
        // started over so that the next kill meets a pull with work left to do.
        long started = System.nanoTime();
        pull(tmp.resolve("timing"), reg("big:1"), "big");
        int wholePullMs = (int) Math.max(200, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        int killedRunning = 0;
        int attempts = 0;
        while (killedRunning < 20) {
            assertTrue(++attempts <= 80, "kills keep missing the pull (seed " + seed + ", " + killedRunning + " of " + attempts + " hit)");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Thread.sleep(50 + random.nextInt(wholePullMs));
            boolean running = p.isAlive();
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            if (running) {
                killedRunning++;
            }
            if (!running || killedRunning % 5 == 4) {
                Command.of(List.of("rm", "-rf", repo.toString())).timeoutSeconds(60).run();
            }
        }
        Result before = Cfsj.run("--repo", repo.toString(), "fsck");
        String id = pull(repo, reg("big:1"), "big");
        Result fsck = Cfsj.run("--repo", repo.toString(), "fsck");
        assertEquals(0, fsck.exit(), "seed " + seed + "; fsck before the clean pull: " + before.describe() + "\nafter: " + fsck.describe());
        assertEquals(pull(tmp.resolve("fresh"), reg("big:1"), "big"), id, "seed " + seed);
    }

    @Test
    void concurrentPullsAgreeOnOneImage() throws Exception {
        Path repo = tmp.resolve("repo");
        List<Process> ps = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path out = tmp.resolve("out" + i);
            outs.add(out);
            ps.add(new ProcessBuilder(Cfsj.argv(List.of("--repo", repo.toString(), "oci", "pull", "--quiet", reg("bbz:1"), "bb")))
                    .redirectOutput(out.toFile())
                    .redirectError(tmp.resolve("err" + i).toFile())
                    .start());
        }
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < 4; i++) {
            assertTrue(ps.get(i).waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, ps.get(i).exitValue(), "pull " + i + ": " + Files.readString(tmp.resolve("err" + i)));
            ids.add(Files.readString(outs.get(i)).strip());
        }
        assertEquals(1, ids.size(), "one image id: " + ids);
        Result fsck = Cfsj.run("--repo", repo.toString(), "fsck");
        assertEquals(0, fsck.exit(), fsck.describe());
    }

    /**
     * {@code cfsj umount}, which must undo either kind of mount; if it fails, the mount is
     * detached anyway (a mount left behind would hang the temp-dir cleanup on the image's fifo).
     */
    private static void unmount(Path mnt) throws Exception {
        Result u = Cfsj.run("umount", mnt.toString());
        if (u.exit() != 0) {
            Command.of(List.of("umount", "-l", mnt.toString())).timeoutSeconds(60).run();
        }
        assertEquals(0, u.exit(), "cfsj umount " + mnt + ": " + u.describe());
    }

    @Test
    void fuseAndKernelMountsShowTheSameTree() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing");
        Path repo = tmp.resolve("repo");
        pull(repo, reg("bb:1"), "bb");
        Path fuse = Files.createDirectories(tmp.resolve("fuse"));
        Path kernel = Files.createDirectories(tmp.resolve("kernel"));
        Result m1 = Cfsj.run("--repo", repo.toString(), "oci", "mount", "--fuse", "bb", fuse.toString());
        assertEquals(0, m1.exit(), m1.describe());
        try {
            Result m2 = Cfsj.run("--repo", repo.toString(), "oci", "mount", "--insecure", "bb", kernel.toString());
            assertEquals(0, m2.exit(), m2.describe());
            try {
                String viaFuse = dumpOfDirectory(fuse);
                String viaKernel = dumpOfDirectory(kernel);
                assertEquals(viaKernel, viaFuse);
                assertEquals(dumpOfDirectory(expectedBusybox).lines().skip(1).toList(), viaKernel.lines().skip(1).toList(),
                        "the kernel mount shows the tree the layers were made from (root line aside)");
            } finally {
                unmount(kernel);
            }
        } finally {
            unmount(fuse);
        }
        // Without --insecure and without kernel verity, the kernel mount is refused with a reason.
        Result refused = Cfsj.run("--repo", repo.toString(), "oci", "mount", "bb", kernel.toString());
        assertEquals(1, refused.exit(), refused.describe());
        assertTrue(refused.err().contains("--insecure"), refused.err());
    }

    /**
     * Progress as skopeo and podman show it: when stderr is a terminal (here the pseudo-terminal
     * of script(1), with stdout a pipe) one row per layer redrawn in place, ending in "done" with
     * a rate; in a pipe, one plain line per layer with no escape codes; a pull that finds every
     * layer present says so per layer; {@code --quiet} prints only the image id.
     */
    @Test
    void progressIsATableOnATerminalAndPlainLinesInAPipe() throws Exception {
        Assumptions.assumeTrue(Command.onPath("script"), "script(1) is not installed (apt-get install bsdutils)");
        String source = reg("big:1");
        Path piped = tmp.resolve("piped");
        Result lines = Cfsj.run("--repo", piped.toString(), "oci", "pull", source, "big");
        assertEquals(0, lines.exit(), lines.describe());
        assertFalse(lines.err().contains("\033"), "no terminal escapes in a pipe:\n" + lines.err());
        for (int i = 1; i <= 3; i++) {
            String layer = "layer " + i + "/3 [0-9a-f]{12}: [0-9.]+ [KMG]?i?B in [0-9.]+s \\([0-9.]+ [KMG]?i?B/s\\), \\d+ entries,"
                    + " \\d+ new objects of \\d+";
            assertTrue(lines.err().lines().anyMatch(l -> l.matches(layer)), "a line for layer " + i + ":\n" + lines.err());
        }
        assertEquals(3, lines.err().lines().filter(l -> l.startsWith("layer ")).count(), lines.err());
        Result again = Cfsj.run("--repo", piped.toString(), "oci", "pull", source, "big");
        assertEquals(3, again.err().lines().filter(l -> l.matches("layer [1-3]/3 [0-9a-f]{12}: already present")).count(),
                again.describe());

        Path onTty = tmp.resolve("tty");
        StringBuilder cmd = new StringBuilder();
        for (String arg : Cfsj.argv(List.of("--repo", onTty.toString(), "oci", "pull", source, "big"))) {
            cmd.append('\'').append(arg.replace("'", "'\\''")).append("' ");
        }
        // stdout into a pipe, as in id=$(cfsj oci pull ...): the progress on stderr is still for a person
        Result tty = Command.of(List.of("script", "-qfec", cmd + "| cat", "/dev/null")).timeoutSeconds(300).run();
        assertEquals(0, tty.exit(), tty.describe());
        String screen = tty.outLatin1();
        assertTrue(screen.contains("pulled " + source + " as big: 3 layers fetched"), screen);
        assertTrue(screen.contains("\033[2K"), "rows are cleared and redrawn:\n" + screen);
        assertTrue(screen.matches("(?s).*\033\\[\\d+A.*"), "the cursor moves up over the table to redraw it:\n" + screen);
        long doneRows = screen.lines().map(l -> l.substring(l.lastIndexOf('\r') + 1))
                .filter(l -> l.matches("\\s+[0-9a-f]{12}\\s+[0-9.]+ [KMG]?i?B\\s+done\\s+[0-9.]+ [KMG]?i?B/s\\s*"))
                .map(l -> l.strip().substring(0, 12)).distinct().count();
        assertEquals(3, doneRows, "each of the 3 layers ends as a done row with its rate:\n" + screen);

        Result quiet = Cfsj.run("--repo", tmp.resolve("quiet").toString(), "oci", "pull", "--quiet", source, "big");
        assertEquals(0, quiet.exit(), quiet.describe());
        assertEquals("", quiet.err(), "--quiet prints no progress");
        assertTrue(quiet.outLatin1().strip().matches("[0-9a-f]{64}"), quiet.outLatin1());
    }
}
