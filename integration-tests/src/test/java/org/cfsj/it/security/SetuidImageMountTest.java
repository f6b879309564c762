package org.cfsj.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An image is untrusted input: its setuid-root binary and its world-writable device node must
 * give a local user ({@code nobody}) nothing on any mount that user can walk into ({@code cfsj oci
 * mount} with FUSE and with the kernel, {@code cfsj fuse-serve}, a bundle in a directory others
 * can enter), while a container still gets a working setuid binary from a root filesystem that
 * only root can reach ({@code cfsj oci run}, {@code cfsj oci bundle} into a directory it creates).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SetuidImageMountTest {
    private static Path work;
    private static Path repo;
    private static SetuidImage.Built built;
    private static Path cfsImage;
    private static Path cfsObjects;

    @BeforeAll
    static void buildAndPull() throws Exception {
        Host.requireRootFuseAndNobody();
        work = Files.createTempDirectory("cfsj-suid-it");
        Command.of("chmod", "0755", work.toString()).check(); // nobody must be able to walk to the mount points
        built = SetuidImage.build(work);
        repo = work.resolve("repo");
        Result pull = Cfsj.run("--repo", repo.toString(), "oci", "pull", "--quiet", "oci:" + built.layout() + ":" + SetuidImage.TAG, "suid");
        assertEquals(0, pull.exit(), "pull: " + pull.describe());
        cfsImage = work.resolve("image.cfs");
        cfsObjects = work.resolve("objects");
        Result mk = Cfsj.run("mkcomposefs", "--digest-store", cfsObjects.toString(), built.rootfs().toString(), cfsImage.toString());
        assertEquals(0, mk.exit(), "mkcomposefs: " + mk.describe());
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (work != null) {
            try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
                for (String mnt : lines.map(l -> l.split(" ")[4]).filter(m -> m.startsWith(work.toString())).toList()) {
                    Host.forceUnmount(Path.of(mnt));
                }
            }
            Command.of(List.of("rm", "-rf", work.toString())).timeoutSeconds(120).run();
        }
    }

    private static Path mountPoint(String name) throws IOException {
        return Files.createDirectories(work.resolve("mnt").resolve(name));
    }

    /**
     * As nobody, the image's setuid-root {@code id} runs without privilege and its device node
     * cannot be opened, although the mount shows both as the image has them.
     */
    private static void assertNothingForNobody(Path mnt) throws Exception {
        String info = Host.mountinfo(mnt);
        assertNotNull(info, mnt + " is not mounted");
        int idMode = (Integer) Files.getAttribute(mnt.resolve("usr/bin/id"), "unix:mode");
        assertEquals(04755, idMode & 07777, "the mount shows the image's setuid bit (else the attack proves nothing)");
        int devMode = (Integer) Files.getAttribute(mnt.resolve("dev/cfsj-null"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertEquals(020666, devMode, "the mount shows the image's device node (char, 0666)");
        Result id = Host.asNobody(mnt + SetuidImage.ID);
        assertEquals(0, id.exit(), "nobody can run the image's id: " + id.describe());
        assertTrue(id.out().startsWith("uid=" + Host.NOBODY + "("), id.out());
        assertFalse(id.out().contains("euid=0"), "the image's setuid-root binary gave nobody euid 0: " + id.out() + "\n" + info);
        Result write = Host.asNobody("echo x > " + mnt + SetuidImage.DEVICE);
        assertNotEquals(0, write.exit(), "nobody wrote to the image's device node: " + info);
        Result read = Host.asNobody("cat " + mnt + SetuidImage.DEVICE);
        assertNotEquals(0, read.exit(), "nobody opened the image's device node: " + info);
        List<String> options = Host.mountOptions(info);
        assertTrue(options.contains("nosuid") && options.contains("nodev"), info);
    }

    @Test
    void ociMountFuseIsNosuidNodev() throws Exception {
        Path mnt = mountPoint("oci-fuse");
        Result r = Cfsj.run("--repo", repo.toString(), "oci", "mount", "--fuse", "suid", mnt.toString());
        assertEquals(0, r.exit(), r.describe());
        try {
            assertNothingForNobody(mnt);
        } finally {
            assertEquals(0, Cfsj.run("umount", mnt.toString()).exit());
        }
    }

    @Test
    void ociMountKernelIsNosuidNodev() throws Exception {
        requireKernelComposefs();
        Path mnt = mountPoint("oci-kernel");
        Result r = Cfsj.run("--repo", repo.toString(), "oci", "mount", "--insecure", "suid", mnt.toString());
        assertEquals(0, r.exit(), r.describe());
        try {
            assertNothingForNobody(mnt);
            // the EROFS mount under the overlay sat, while attached, in a directory only root can enter
            assertEquals(0700, modeOf(Path.of("/run/cfsj")));
            assertEquals(0700, modeOf(Path.of("/run/cfsj/mnt")));
        } finally {
            assertEquals(0, Cfsj.run("umount", mnt.toString()).exit());
        }
    }

    @Test
    void fuseServeIsNosuidNodev() throws Exception {
        Path mnt = mountPoint("fuse-serve");
        Result r = Cfsj.run("fuse-serve", cfsImage.toString(), mnt.toString(), "--basedir", cfsObjects.toString(), "--background");
        assertEquals(0, r.exit(), r.describe());
        try {
            assertNothingForNobody(mnt);
        } finally {
            assertEquals(0, Cfsj.run("umount", mnt.toString()).exit());
        }
    }

    @Test
    void bundleInADirectoryOthersCanEnterIsNosuidNodevWithOneWarning() throws Exception {
        Path dir = Files.createDirectories(work.resolve("open-bundle"));
        Command.of("chmod", "0755", dir.toString()).check();
        for (List<String> mode : List.of(List.of("--fuse"), List.of("--kernel", "--insecure"))) {
            if (mode.contains("--kernel")) {
                requireKernelComposefs();
            }
            List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "bundle"));
            args.addAll(mode);
            args.addAll(List.of("suid", dir.toString()));
            Result r = Cfsj.command(args).timeoutSeconds(300).run();
            assertEquals(0, r.exit(), r.describe());
            try {
                assertEquals(1, r.err().lines().filter(l -> l.contains("warning")).count(), r.err());
                assertTrue(r.err().contains("nosuid,nodev") && r.err().contains("chmod 700"), r.err());
                assertNothingForNobody(dir.resolve("rootfs"));
            } finally {
                assertEquals(0, Cfsj.run("umount", dir.resolve("rootfs").toString()).exit());
            }
        }
    }

    @Test
    void bundleInANewDirectoryIsPrivateAndSuidDev() throws Exception {
        Path dir = work.resolve("new-bundles").resolve("b1");
        Result r = Cfsj.run("--repo", repo.toString(), "oci", "bundle", "suid", dir.toString());
        assertEquals(0, r.exit(), r.describe());
        try {
            assertEquals(0700, modeOf(dir), "a bundle directory cfsj creates is root's alone");
            assertFalse(r.err().contains("warning"), r.err());
            List<String> options = Host.mountOptions(Host.mountinfo(dir.resolve("rootfs")));
            assertFalse(options.contains("nosuid") || options.contains("nodev"), "the container's root keeps suid,dev: " + options);
            Result id = Host.asNobody("ls " + dir.resolve("rootfs"));
            assertNotEquals(0, id.exit(), "nobody cannot walk into the bundle");
        } finally {
            assertEquals(0, Cfsj.run("umount", dir.resolve("rootfs").toString()).exit());
        }
    }

    @Test
    void bundleInADirectoryOfAnotherUserIsRefused() throws Exception {
        Path dir = Files.createDirectories(work.resolve("nobodys-bundle"));
        Command.of("chown", Host.NOBODY + ":" + Host.NOBODY, dir.toString()).check();
        Result r = Cfsj.run("--repo", repo.toString(), "oci", "bundle", "suid", dir.toString());
        assertEquals(1, r.exit(), r.describe());
        assertTrue(r.err().contains("belongs to uid " + Host.NOBODY), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertNull(Host.mountinfo(dir.resolve("rootfs")), "nothing is mounted");
        assertFalse(Files.exists(dir.resolve("config.json"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void containerGetsAWorkingSetuidBinary() throws Exception {
        requireCrun();
        for (List<String> mode : List.of(List.of("--fuse"), List.of("--fuse=passthrough"), List.of("--kernel", "--insecure"))) {
            if (mode.contains("--kernel")) {
                requireKernelComposefs();
            }
            List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "run"));
            args.addAll(mode);
            args.addAll(cgroupWorkaround());
            args.add("suid"); // User app (uid 1234), Cmd /usr/bin/id
            Result r = Cfsj.command(args).timeoutSeconds(180).run();
            assertEquals(0, r.exit(), mode + ": " + r.describe());
            assertTrue(r.out().startsWith("uid=1234(app)") && r.out().contains(" euid=0(root)"),
                    mode + ": the image's setuid-root id works for the container's user: " + r.out());
        }
    }

    @Test
    void ociRunBundleIsRootsAlone() throws Exception {
        requireCrun();
        Assumptions.assumeTrue(built.hasShell(), "SKIPPED: busybox-static is not installed (the container must wait while we look)");
        Path tmp = Files.createDirectories(work.resolve("run-tmp"));
        List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "run"));
        args.addAll(cgroupWorkaround());
        args.addAll(List.of("suid", "--", "/bin/sh", "-c", "trap 'exit 0' INT; echo ready; while :; do sleep 0.1; done"));
        List<String> cmd = Cfsj.argv(args);
        cmd.add(1, "-Djava.io.tmpdir=" + tmp); // the run's bundle is then ours to find
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            p.getOutputStream().close();
            byte[] ready = p.getInputStream().readNBytes(6);
            assertEquals("ready\n", new String(ready, StandardCharsets.US_ASCII));
            List<Path> bundles;
            try (Stream<Path> s = Files.list(tmp)) {
                bundles = s.filter(b -> b.getFileName().toString().startsWith("cfsj-run-")).toList();
            }
            assertEquals(1, bundles.size(), bundles.toString());
            assertEquals(0700, modeOf(bundles.get(0)));
            assertEquals(0, (Integer) Files.getAttribute(bundles.get(0), "unix:uid"));
            List<String> options = Host.mountOptions(Host.mountinfo(bundles.get(0).resolve("rootfs")));
            assertFalse(options.contains("nosuid"), options.toString());
        } finally {
            Command.of(List.of("kill", "-INT", Long.toString(p.pid()))).timeoutSeconds(30).run();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("cfsj oci run did not end on SIGINT");
            }
        }
    }

    private static int modeOf(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static void requireKernelComposefs() throws IOException {
        String fs = Files.readString(Path.of("/proc/filesystems"));
        Assumptions.assumeTrue(fs.contains("erofs") && fs.contains("overlay"), "SKIPPED: the kernel has no EROFS or overlayfs");
    }

    private static void requireCrun() {
        Assumptions.assumeTrue(Command.onPath("crun"), "SKIPPED: crun is not installed (apt-get install crun; .ci/run installs it)");
    }

    /** crun 1.8 refuses the hybrid cgroup layout of these VMs; cfsj oci run works around it when asked. */
    private static List<String> cgroupWorkaround() throws IOException {
        Path controllers = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
        return Files.isRegularFile(controllers) && !Files.readString(controllers).isBlank()
                ? List.of("--hide-cgroup-v2-controllers") : List.of();
    }
}
