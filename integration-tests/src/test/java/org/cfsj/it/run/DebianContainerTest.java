package org.cfsj.it.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.cfsj.it.TestRegistry;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A realistic image: a Debian minbase tree made by debootstrap, tarred with GNU tar, pushed to a
 * local registry as a zstd layer, pulled with cfsj, run with crun on the FUSE mount, and compared
 * file by file (content and metadata, through the composefs dumpfile) with the debootstrap tree.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DebianContainerTest {
    static final String SCRIPT = "dpkg -l | wc -l; apt-get --version | head -n 1";

    private static Path work;
    private static Path repo;
    private static Path debootstrap;
    private static TestRegistry registry;

    @BeforeAll
    static void buildPushPull() throws Exception {
        Optional<String> why = DebianMinbase.unavailable();
        if (why.isPresent()) {
            System.err.println("DebianContainerTest SKIPPED: " + why.get());
            // in CI nothing may skip: .ci/run installs debootstrap and the runner has the network
            assertTrue(System.getenv("CI") == null, "CI is set, so the Debian minbase test must run: " + why.get());
        }
        Assumptions.assumeTrue(why.isEmpty(), () -> "Debian minbase image: " + why.get());
        Assumptions.assumeTrue(Command.onPath("crun"), "crun is not installed (apt-get install crun)");
        Assumptions.assumeTrue(TestRegistry.available(), "docker-registry is not installed (apt-get install docker-registry)");
        Assumptions.assumeTrue(Command.onPath("skopeo"), "skopeo is not installed (apt-get install skopeo)");
        debootstrap = DebianMinbase.rootfs();
        work = Files.createTempDirectory("cfsj-debian-it");
        registry = TestRegistry.start(work.resolve("registry"));
        Path tar = OciLayouts.tar(debootstrap, work.resolve("layer.tar"));
        OciLayouts layout = new OciLayouts(work.resolve("layout"));
        layout.addImage("minbase", tar, OciLayouts.Codec.ZSTD,
                "{\"Cmd\":[\"bash\"],\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]}");
        Files.delete(tar);
        layout.push("minbase", registry, "debian:minbase");
        repo = work.resolve("repo");
        Result r = Cfsj.run("--repo", repo.toString(), "oci", "pull", "--quiet", "docker://" + registry.host() + "/debian:minbase", "debian");
        assertEquals(0, r.exit(), r.describe());
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (work != null) {
            Command.of(List.of("rm", "-rf", work.toString())).timeoutSeconds(120).run();
        }
    }

    @Test
    void dpkgAndAptRunInTheContainerAsInAChroot() throws Exception {
        String expected = Command.of("chroot", debootstrap.toString(), "sh", "-c", SCRIPT).check();
        assertTrue(Integer.parseInt(expected.lines().findFirst().orElseThrow().strip()) > 50, "dpkg -l lists the packages: " + expected);
        assertTrue(expected.contains("apt 2."), expected);
        for (String mode : List.of("--fuse", "--fuse=passthrough")) {
            List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "run", mode));
            args.addAll(ContainerHost.cgroupWorkaround());
            args.addAll(List.of("debian", "--", "sh", "-c", SCRIPT));
            Result r = Cfsj.command(args).timeoutSeconds(300).run();
            assertEquals(0, r.exit(), mode + ": " + r.describe());
            assertEquals(expected, r.out(), mode + ": the container sees what a chroot into the debootstrap tree sees");
        }
    }

    @Test
    void mountedTreeIsTheDebootstrapTree() throws Exception {
        Path mnt = Files.createDirectories(work.resolve("mnt"));
        Result m = Cfsj.run("--repo", repo.toString(), "oci", "mount", "--fuse", "debian", mnt.toString());
        assertEquals(0, m.exit(), m.describe());
        try {
            Result expected = Cfsj.run("create-dumpfile", debootstrap.toString());
            Result actual = Cfsj.run("create-dumpfile", mnt.toString());
            assertEquals(0, expected.exit(), expected.describe());
            assertEquals(0, actual.exit(), actual.describe());
            List<String> e = comparable(expected.out());
            List<String> a = comparable(actual.out());
            assertTrue(e.size() > 5000, "a debootstrap tree has thousands of entries: " + e.size());
            int shown = 0;
            StringBuilder diff = new StringBuilder();
            for (int i = 0; i < Math.max(e.size(), a.size()) && shown < 20; i++) {
                String x = i < e.size() ? e.get(i) : "(none)";
                String y = i < a.size() ? a.get(i) : "(none)";
                if (!x.equals(y)) {
                    diff.append("debootstrap: ").append(x).append("\ncfsj mount:  ").append(y).append('\n');
                    shown++;
                }
            }
            assertEquals("", diff.toString(), "create-dumpfile of the debootstrap tree vs the FUSE mount ("
                    + e.size() + " entries; path, size, mode, nlink, uid, gid, rdev, mtime, content digest, xattrs)");
        } finally {
            Result u = Cfsj.run("umount", mnt.toString());
            assertEquals(0, u.exit(), u.describe());
        }
    }

    /**
     * Dumpfile lines with what legitimately differs masked: the root directory (an OCI image's
     * root takes /usr's metadata, composefs-rs's rule) and directory sizes (a directory's size is
     * how its filesystem lays it out: ext4 blocks on disk, EROFS dirents in the image), and the
     * fraction of a second of mtimes (cfsj's layer import keeps whole seconds, as composefs-rs
     * does; GNU tar's PAX headers carry nanoseconds). {@code /run} is emptied by the image build
     * and takes /usr's mtime (composefs-rs's rule too): its content is left out, its nlink and
     * mtime masked.
     */
    static List<String> comparable(String dump) {
        List<String> out = new ArrayList<>();
        for (String line : dump.split("\n")) {
            if (line.isEmpty() || line.startsWith("/ ") || line.startsWith("/run/")) {
                continue;
            }
            String[] f = line.split(" ", -1);
            if (f.length > 7) {
                boolean dir = (Integer.parseInt(f[2].replace("@", ""), 8) & 0170000) == 0040000;
                if (dir) {
                    f[1] = "<dir>";
                }
                int dot = f[7].indexOf('.');
                f[7] = dot < 0 ? f[7] : f[7].substring(0, dot);
                if (f[0].equals("/run")) {
                    f[3] = "<nlink>";
                    f[7] = "<mtime>";
                }
            }
            out.add(String.join(" ", f));
        }
        return out;
    }
}
