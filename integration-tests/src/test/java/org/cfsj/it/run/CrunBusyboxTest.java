package org.cfsj.it.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cfsj.it.TestRegistry;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code cfsj oci run} with real crun: busybox images built here, pushed to a local
 * docker-registry with skopeo, pulled with {@code cfsj oci pull}, and run on cfsj's FUSE mount
 * (with and without passthrough) and on the kernel mount.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrunBusyboxTest {
    static final String SCRIPT = "id; cat /etc/motd; ls -la /bin | head; echo ok";

    private static Path work;
    private static Path repo;
    private static TestRegistry registry;

    @BeforeAll
    static void buildPushPull() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "container tests need root (FUSE with allow_other,suid,dev; crun)");
        Assumptions.assumeTrue(Command.onPath("crun"), "crun is not installed (apt-get install crun; .ci/run installs it)");
        Assumptions.assumeTrue(TestRegistry.available(), "docker-registry is not installed (apt-get install docker-registry)");
        Assumptions.assumeTrue(Command.onPath("skopeo"), "skopeo is not installed (apt-get install skopeo)");
        Assumptions.assumeTrue(BusyboxRootfs.available(), "busybox-static is not installed (apt-get install busybox-static)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing");
        work = Files.createTempDirectory("cfsj-run-it");
        registry = TestRegistry.start(work.resolve("registry"));
        Path tar = OciLayouts.tar(BusyboxRootfs.build(work.resolve("rootfs")), work.resolve("layer.tar"));
        OciLayouts layout = new OciLayouts(work.resolve("layout"));
        layout.addImage("bb", tar, OciLayouts.Codec.GZIP, BusyboxRootfs.SHELL_CONFIG);
        layout.addImage("app", tar, OciLayouts.Codec.GZIP, BusyboxRootfs.APP_CONFIG);
        layout.push("bb", registry, "busybox:1");
        layout.push("app", registry, "app:1");
        repo = work.resolve("repo");
        for (String[] image : new String[][] {{"busybox:1", "bb"}, {"app:1", "app"}}) {
            Result r = Cfsj.run("--repo", repo.toString(), "oci", "pull", "--quiet", "docker://" + registry.host() + "/" + image[0], image[1]);
            assertEquals(0, r.exit(), "pull " + image[0] + ": " + r.describe());
        }
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

    /** Every run leaves nothing behind: no mount, no bundle directory, no crun state. */
    @AfterEach
    void nothingLeftBehind() throws Exception {
        assertEquals(List.of(), ContainerHost.mountsContaining("cfsj-run-"), "mounts left by cfsj oci run");
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("cfsj-run-")
                    && !n.startsWith("cfsj-run-it")).toList(), "bundle directories left by cfsj oci run");
        }
        if (Files.isDirectory(Path.of("/run/crun"))) {
            try (var s = Files.list(Path.of("/run/crun"))) {
                assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("cfsj-")).toList(),
                        "crun containers left behind");
            }
        }
    }

    /** {@code cfsj --repo R oci run MODE [workaround] NAME -- CMD...} */
    private static Result run(List<String> mode, String image, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "run"));
        args.addAll(mode);
        args.addAll(ContainerHost.cgroupWorkaround());
        args.add(image);
        if (command.length > 0) {
            args.add("--");
            args.addAll(List.of(command));
        }
        return Cfsj.command(args).timeoutSeconds(180).run();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--fuse", "--fuse=passthrough"})
    void busyboxRunsOnTheFuseMount(String mode) throws Exception {
        Result r = run(List.of(mode), "bb", "sh", "-c", SCRIPT);
        assertEquals(0, r.exit(), r.describe());
        List<String> lines = r.out().lines().toList();
        assertEquals(1 + 1 + 10 + 1, lines.size(), "id, motd, ten lines of ls, ok:\n" + r.out());
        assertTrue(lines.get(0).startsWith("uid=0(root) gid=0(root)"), r.out());
        assertEquals(BusyboxRootfs.MOTD.strip(), lines.get(1));
        assertTrue(lines.get(2).startsWith("total "), r.out());
        assertTrue(lines.get(3).startsWith("drwxr-xr-x") && lines.get(3).endsWith(" ."), r.out());
        assertTrue(lines.get(4).endsWith(" .."), r.out());
        for (String entry : lines.subList(5, 12)) {
            assertTrue(entry.startsWith("lrwxrwxrwx") && entry.endsWith(" -> /bin/busybox")
                    || entry.startsWith("-rwxr-xr-x") && entry.endsWith(" busybox"), "an applet link or busybox itself: " + entry);
        }
        assertEquals("ok", lines.get(12));
        assertEquals(r.out(), run(List.of("--kernel", "--insecure"), "bb", "sh", "-c", SCRIPT).out(),
                "the container sees the same on the kernel mount");
    }

    @Test
    void imageConfigIsHonoured() throws Exception {
        Result r = run(List.of("--fuse"), "app");
        assertEquals(0, r.exit(), r.describe());
        assertEquals("""
                uid=1234 gid=2345 groups=2345 3456
                cwd=/srv/work
                FOO=bar baz HOME=/home/app
                args=first second
                """, r.out(), "Entrypoint + Cmd, User 'app' from the image's passwd and group, WorkingDir, Env");
        Result override = run(List.of("--fuse"), "app", "third");
        assertEquals(0, override.exit(), override.describe());
        assertTrue(override.out().endsWith("args=third\n"), "a command after -- replaces Cmd, Entrypoint stays:\n" + override.out());
    }

    @Test
    void writingToTheRootFailsWithEROFS() throws Exception {
        Result r = run(List.of("--fuse"), "bb", "sh", "-c",
                "touch /new 2>&1; echo rc=$?; (echo x > /etc/motd) 2>&1; echo rc=$?; grep ' / ' /proc/mounts");
        assertEquals(0, r.exit(), r.describe());
        List<String> lines = r.out().lines().toList();
        assertEquals("touch: /new: Read-only file system", lines.get(0));
        assertEquals("rc=1", lines.get(1));
        assertEquals("sh: can't create /etc/motd: Read-only file system", lines.get(2));
        assertEquals("rc=1", lines.get(3));
        assertTrue(lines.get(4).contains(" ro,") || lines.get(4).contains(" ro "), "/ is mounted read-only: " + lines.get(4));
    }

    @Test
    void setuidFileKeepsItsBit() throws Exception {
        Result r = run(List.of("--fuse"), "bb", "sh", "-c",
                "stat -c '%a %u %s' /bin/suid-helper; [ -u /bin/suid-helper ] && echo setuid; grep ' / ' /proc/mounts");
        assertEquals(0, r.exit(), r.describe());
        List<String> lines = r.out().lines().toList();
        assertEquals("4755 0 5000", lines.get(0));
        assertEquals("setuid", lines.get(1));
        assertTrue(!lines.get(2).contains("nosuid"), "the root is not mounted nosuid: " + lines.get(2));
    }

    @Test
    void exitStatusIsPassedThrough() throws Exception {
        assertEquals(42, run(List.of(), "bb", "sh", "-c", "exit 42").exit());
        assertEquals(0, run(List.of(), "bb", "true").exit());
    }

    @Test
    void ctrlCReachesTheContainerAndEverythingIsCleanedUp() throws Exception {
        List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "run"));
        args.addAll(ContainerHost.cgroupWorkaround());
        args.addAll(List.of("bb", "--", "sh", "-c", "trap 'echo interrupted; exit 5' INT; echo ready; while :; do sleep 0.1; done"));
        Process p = new ProcessBuilder(Cfsj.argv(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        assertEquals(1, ContainerHost.mountsContaining("cfsj-run-").size(), "the FUSE rootfs is mounted while the container runs");
        Command.of("kill", "-INT", Long.toString(p.pid())).check(); // as a terminal's Ctrl-C reaches cfsj
        assertEquals("interrupted", out.readLine());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(5, p.exitValue(), "the container's exit status");
    }

    @Test
    void bundleIsRunnableByCrunAndUnmountedByCfsjUmount() throws Exception {
        Path bundle = work.resolve("bundle");
        Result b = Cfsj.run("--repo", repo.toString(), "oci", "bundle", "app", bundle.toString());
        assertEquals(0, b.exit(), b.describe());
        try {
            assertTrue(Files.isRegularFile(bundle.resolve("config.json")));
            assertTrue(ContainerHost.mountsContaining(bundle.resolve("rootfs") + " fuse.cfsj").size() == 1, "rootfs is a cfsj FUSE mount");
            List<String> crun = new ArrayList<>();
            if (!ContainerHost.cgroupWorkaround().isEmpty()) {
                crun.addAll(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                        "mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers && exec \"$0\" \"$@\""));
            }
            crun.addAll(List.of("crun", "run", "--bundle", bundle.toString(), "cfsj-bundle-test"));
            Result r = Command.of(crun).timeoutSeconds(120).run();
            assertEquals(0, r.exit(), r.describe());
            assertTrue(r.out().startsWith("uid=1234 gid=2345"), r.out());
        } finally {
            Result u = Cfsj.run("umount", bundle.resolve("rootfs").toString());
            assertEquals(0, u.exit(), u.describe());
        }
        assertEquals(List.of(), ContainerHost.mountsContaining(bundle.toString()));
    }

    @Test
    void missingRuntimeSaysHowToInstallIt() throws Exception {
        List<String> args = Cfsj.argv(List.of("--repo", repo.toString(), "oci", "run", "bb", "--", "true"));
        Result r = Command.of(args).env(Map.of("PATH", "/nonexistent")).timeoutSeconds(60).run();
        assertEquals(1, r.exit(), r.describe());
        assertTrue(r.err().contains("apt-get install crun"), r.err());
        Result other = Cfsj.run("--repo", repo.toString(), "oci", "run", "--runtime", "/nonexistent/runc", "bb");
        assertEquals(1, other.exit());
        assertTrue(other.err().contains("/nonexistent/runc not found"), other.err());
    }
}
