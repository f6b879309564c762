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
 * (with and without passthrough) and on the kernel mount, with the writable root (an overlay
 * whose changes are thrown away) and with {@code --read-only}.
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

    /** Every run leaves nothing behind: no mount, no bundle directory, no writable layer, no crun state. */
    @AfterEach
    void nothingLeftBehind() throws Exception {
        assertEquals(List.of(), ContainerHost.mountsContaining("cfsj-run-"), "mounts left by cfsj oci run");
        assertEquals(List.of(), ContainerHost.mountsContaining(ContainerHost.WRITABLE_LAYERS.toString()),
                "image mounts left under the writable layers' directory");
        assertEquals(List.of(), ContainerHost.mountsContaining("cfsj-writable"), "writable overlays left behind");
        assertEquals(List.of(), ContainerHost.writableLayers(), "writable layers (upper directories) left behind");
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

    /** Writes to / go to a throw-away upper directory: seen inside the run, gone after it, the image and repository unchanged. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--fuse", "--kernel --insecure"})
    void theRootIsWritableAndItsChangesAreThrownAway(String mode) throws Exception {
        Map<String, String> repoBefore = RepositoryContent.digests(repo);
        Result r = run(List.of(mode.split(" ")), "bb", "sh", "-c",
                "echo new > /new.txt && echo changed > /etc/motd && rm /bin/suid-helper && mkdir -p /var/lib/x"
                        + " && mv /srv /srv2 && cat /new.txt /etc/motd && ls /bin/suid-helper /srv 2>&1;"
                        + " ls -d /srv2/work; grep ' / ' /proc/mounts");
        assertEquals(0, r.exit(), r.describe());
        List<String> lines = r.out().lines().toList();
        assertEquals("new", lines.get(0), r.out());
        assertEquals("changed", lines.get(1), r.out());
        assertEquals("ls: /bin/suid-helper: No such file or directory", lines.get(2), r.out());
        assertEquals("ls: /srv: No such file or directory", lines.get(3), r.out());
        assertEquals("/srv2/work", lines.get(4), "a renamed image directory keeps its content: " + r.out());
        assertTrue(lines.get(5).startsWith("cfsj-writable / overlay rw,"), "/ is the writable overlay: " + lines.get(5));
        assertTrue(!lines.get(5).contains("nosuid"), "the root is not mounted nosuid: " + lines.get(5));

        assertEquals(repoBefore, RepositoryContent.digests(repo), "images, objects and streams are unchanged");
        Result fsck = Cfsj.run("--repo", repo.toString(), "fsck");
        assertEquals(0, fsck.exit(), fsck.describe());
        Result again = run(List.of(mode.split(" ")), "bb", "sh", "-c", "cat /etc/motd; ls /new.txt 2>&1");
        assertEquals(BusyboxRootfs.MOTD + "ls: /new.txt: No such file or directory\n", again.out(),
                "the next container starts from the image again");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--fuse", "--kernel --insecure"})
    void readOnlyRefusesTheWrite(String mode) throws Exception {
        Map<String, String> repoBefore = RepositoryContent.digests(repo);
        List<String> args = new ArrayList<>(List.of(mode.split(" ")));
        args.add("--read-only");
        Result r = run(args, "bb", "sh", "-c", "echo x > /new.txt; echo rc=$?; (echo x > /etc/motd) 2>&1; cat /etc/motd");
        assertEquals(0, r.exit(), r.describe());
        assertEquals("rc=1\nsh: can't create /etc/motd: Read-only file system\n" + BusyboxRootfs.MOTD, r.out(), r.describe());
        assertTrue(r.err().contains("can't create /new.txt: Read-only file system"), r.err());
        assertEquals(repoBefore, RepositoryContent.digests(repo));
        Result fsck = Cfsj.run("--repo", repo.toString(), "fsck");
        assertEquals(0, fsck.exit(), fsck.describe());
    }

    /** The runtime failing after everything was mounted: all of it is undone all the same. */
    @Test
    void aFailingRuntimeLeavesNothingBehind() throws Exception {
        Result r = Cfsj.run("--repo", repo.toString(), "oci", "run", "--runtime", "/bin/false", "bb", "--", "true");
        assertEquals(1, r.exit(), r.describe());
        // nothingLeftBehind() checks the rest
    }

    @Test
    void writingToTheRootFailsWithEROFS() throws Exception {
        Result r = run(List.of("--fuse", "--read-only"), "bb", "sh", "-c",
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

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"INT", "TERM"})
    void aSignalReachesTheContainerAndEverythingIsCleanedUp(String signal) throws Exception {
        List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "run"));
        args.addAll(ContainerHost.cgroupWorkaround());
        args.addAll(List.of("bb", "--", "sh", "-c", "trap 'echo interrupted; exit 5' " + signal
                + "; echo x > /written; echo ready; while :; do sleep 0.1; done"));
        Process p = new ProcessBuilder(Cfsj.argv(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        assertEquals(1, ContainerHost.mountsContaining("cfsj-run-").size(), "the rootfs is mounted while the container runs");
        assertEquals(1, ContainerHost.writableLayers().size(), "the writable layer exists while the container runs");
        Command.of("kill", "-" + signal, Long.toString(p.pid())).check(); // as a terminal's Ctrl-C reaches cfsj
        assertEquals("interrupted", out.readLine());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(5, p.exitValue(), "the container's exit status");
    }

    /**
     * {@code oci run} killed with SIGKILL cannot clean up: its container's root stays mounted and
     * its writable layer stays. Once the container is gone too, the next {@code oci run} removes
     * both (and the {@link #nothingLeftBehind} check then finds nothing); while the container
     * still runs, its root is left alone.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--fuse", "--kernel"})
    void whatAKilledRunLeavesIsRemovedByTheNextRun(String mode) throws Exception {
        List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "run", mode, "--no-service"));
        if (mode.equals("--kernel")) {
            args.add("--insecure");
        }
        args.addAll(ContainerHost.cgroupWorkaround());
        args.addAll(List.of("bb", "--", "sh", "-c", "echo ready; exec sleep 1000"));
        Process p = new ProcessBuilder(Cfsj.argv(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        List<String> layers = ContainerHost.writableLayers();
        assertEquals(1, layers.size(), "the container's record while it runs: " + layers);
        String id = layers.get(0);
        Command.of("kill", "-KILL", Long.toString(p.pid())).check();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, ContainerHost.mountsContaining("cfsj-run-").size(), "the killed run's root is still mounted");

        assertEquals(0, run(List.of(), "bb", "true").exit(), "a run while the killed run's container still runs");
        assertEquals(1, ContainerHost.mountsContaining("cfsj-run-").size(), "a live container's root is left alone");
        assertTrue(ContainerHost.writableLayers().contains(id), "a live container's record is left alone");

        // the container ends (crun run, orphaned, deletes it): only what cfsj made is left
        Path rootfs = Path.of(ContainerHost.mountsContaining("cfsj-run-").get(0).split(" ")[1]);
        Command.of("crun", "kill", id, "KILL").timeoutSeconds(30).run();
        for (int i = 0; i < 300 && Files.exists(Path.of("/run/crun", id)); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.notExists(Path.of("/run/crun", id)), "crun still knows " + id);
        Result next = run(List.of(), "bb", "true");
        assertEquals(0, next.exit(), next.describe());
        assertTrue(next.err().contains("removed what the killed run of container " + id + " left behind"), next.describe());
        assertTrue(Files.notExists(rootfs.getParent()), "the killed run's bundle " + rootfs.getParent());
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
