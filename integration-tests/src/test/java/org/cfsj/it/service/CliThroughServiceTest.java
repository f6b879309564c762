package org.cfsj.it.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cfsj oci mount} with a service on {@code $CFSJ_SOCKET}: the mount comes from the service
 * (a second mount of the image shares the first's FUSE server and device), {@code --no-service}
 * mounts by itself, and without a service the command works as before; output, errors and exit
 * status are the same either way.
 */
class CliThroughServiceTest {
    @TempDir
    Path work;
    private final List<Path> mounted = new ArrayList<>();
    private Serve service;

    @AfterEach
    void cleanUp() throws Exception {
        for (Path p : mounted) {
            Command.of(List.of("umount", "-l", p.toString())).timeoutSeconds(30).run();
        }
        if (service != null) {
            service.close();
        }
    }

    private Result cfsj(Path socket, String... args) throws Exception {
        return Cfsj.command(args).env("CFSJ_SOCKET", socket.toString()).timeoutSeconds(120).run();
    }

    private Path mount(Path socket, Path repo, String name, String... extra) throws Exception {
        Path dir = Files.createDirectory(work.resolve(name));
        List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "mount"));
        args.addAll(List.of(extra));
        args.addAll(List.of("tiny", dir.toString()));
        Result r = cfsj(socket, args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.describe());
        assertEquals("", r.out() + r.err(), "nothing printed, as without a service: " + r.describe());
        mounted.add(dir);
        assertEquals("hello from the service test\n", Files.readString(dir.resolve("hello.txt")));
        return dir;
    }

    private static long device(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:dev")).longValue();
    }

    @Test
    void ociMountUsesTheServiceWhenItAnswersAndItselfOtherwise() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: mounting needs root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: no /dev/fuse");
        Path repo = work.resolve("repo");
        Path layout = work.resolve("layout");
        LayoutWriter.write(layout, "v1");
        Path socket = work.resolve("run/cfsj.sock");
        Result pull = cfsj(socket, "--repo", repo.toString(), "oci", "pull", "-q", "oci:" + layout + ":v1", "tiny");
        assertEquals(0, pull.exit(), pull.describe());

        Path alone = mount(socket, repo, "alone", "--fuse"); // no service yet: the command's own server
        Result kernelAlone = cfsj(socket, "--repo", repo.toString(), "oci", "mount", "tiny", work.toString());

        Path log = work.resolve("serve.log");
        service = Serve.start(repo, socket, log);
        Path a = mount(socket, repo, "a", "--fuse");
        Path b = mount(socket, repo, "b", "--fuse");
        Path own = mount(socket, repo, "own", "--fuse", "--no-service");
        assertEquals(device(a), device(b), "both from the service's one server for the image");
        assertNotEquals(device(a), device(own), "--no-service: a server of the command's own");
        assertNotEquals(device(a), device(alone));

        Result kernelService = cfsj(socket, "--repo", repo.toString(), "oci", "mount", "tiny", work.toString());
        assertEquals(kernelAlone.exit(), kernelService.exit(), kernelService.describe());
        assertEquals(kernelAlone.err(), kernelService.err(), "the same refusal with and without a service");
        Result missing = cfsj(socket, "--repo", repo.toString(), "oci", "mount", "--fuse", "nosuch", work.toString());
        assertEquals(1, missing.exit(), missing.describe());
        assertEquals("cfsj oci mount: no image named nosuch in " + repo + " (see 'cfsj oci images')\n", missing.err());

        for (Path p : List.of(a, b, own, alone)) {
            Result u = cfsj(socket, "umount", p.toString());
            assertEquals(0, u.exit(), u.describe());
            mounted.remove(p);
        }
    }

    /**
     * {@code cfsj oci run} with a service: the container's writable root is the service's overlay on
     * the service's FUSE mount of the image (a file of the image has the device of a host mount the
     * service made), its writes work and vanish with it, and nothing is left mounted or on disk.
     */
    @Test
    void ociRunTakesItsWritableRootFromTheService() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: cfsj oci run needs root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: no /dev/fuse");
        Assumptions.assumeTrue(Command.onPath("crun"), "SKIPPED: crun is not installed (apt-get install crun)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "SKIPPED: busybox-static is not installed");
        Path repo = work.resolve("repo");
        Path layout = work.resolve("layout");
        Command.of(Path.of(System.getProperty("cfsj.root.dir"), "examples", "default-image", "build-layout.sh").toString(),
                layout.toString(), "--busybox", "/bin/busybox").check();
        Path socket = work.resolve("run/cfsj.sock");
        Result pull = cfsj(socket, "--repo", repo.toString(), "oci", "pull", "-q", "oci:" + layout + ":latest", "tiny");
        assertEquals(0, pull.exit(), pull.describe());
        Path log = work.resolve("serve.log");
        service = Serve.start(repo, socket, log);
        Path host = Files.createDirectory(work.resolve("host"));
        Result m = cfsj(socket, "--repo", repo.toString(), "oci", "mount", "--fuse", "tiny", host.toString());
        assertEquals(0, m.exit(), m.describe());
        mounted.add(host);

        List<String> run = new ArrayList<>(List.of("--repo", repo.toString(), "oci", "run"));
        if (Files.exists(Path.of("/sys/fs/cgroup/unified/cgroup.controllers"))) {
            run.add("--hide-cgroup-v2-controllers");
        }
        String script = "echo written > /tmp/x && cat /tmp/x && hostname"; // the hostname is the container id
        // busybox (the container's sh) read through the host mount the service made, then its
        // object taken away: only a container on the service's server and page cache can run it
        byte[] busybox = Files.readAllBytes(host.resolve("bin/busybox"));
        Path object = objectOfSize(repo, busybox.length);
        Path away = work.resolve("busybox-object");
        Files.move(object, away);
        try {
            List<String> viaService = new ArrayList<>(run);
            viaService.addAll(List.of("tiny", "--", "sh", "-c", script));
            Result r = cfsj(socket, viaService.toArray(String[]::new));
            assertEquals(0, r.exit(), r.describe());
            List<String> out = r.out().lines().toList();
            assertEquals("written", out.get(0), "the container wrote to its root: " + r.describe());
            String id = out.get(1).strip();
            assertFalse(Files.exists(Path.of("/run/cfsj/containers", id)), "its writable layer is gone");
            assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(id), "nothing of it is mounted");

            List<String> readOnly = new ArrayList<>(run);
            readOnly.addAll(List.of("--read-only", "tiny", "--", "sh", "-c", "touch /tmp/y 2>/dev/null; echo $?"));
            Result ro = cfsj(socket, readOnly.toArray(String[]::new));
            assertEquals(0, ro.exit(), "--read-only also runs on the service's mount: " + ro.describe());
            assertNotEquals("0", ro.out().strip(), "a read-only root refuses the write: " + ro.describe());

            // a bundle's rootfs is a clone of the service's mount: same device, suid,dev on this mount alone
            Path bundle = work.resolve("bundle");
            Result b = cfsj(socket, "--repo", repo.toString(), "oci", "bundle", "tiny", bundle.toString());
            assertEquals(0, b.exit(), b.describe());
            mounted.add(bundle.resolve("rootfs"));
            assertEquals(device(host), device(bundle.resolve("rootfs")), "the bundle's root is the service's mount");
            assertFalse(mountOptions(bundle.resolve("rootfs")).contains("nosuid"), "a private bundle gets suid: "
                    + mountOptions(bundle.resolve("rootfs")));
            assertTrue(mountOptions(host).contains("nosuid"), "the host mount keeps nosuid: " + mountOptions(host));
            Result u = cfsj(socket, "umount", bundle.resolve("rootfs").toString());
            assertEquals(0, u.exit(), u.describe());
            mounted.remove(bundle.resolve("rootfs"));

            List<String> alone = new ArrayList<>(run);
            alone.addAll(List.of("--no-service", "tiny", "--", "sh", "-c", script));
            Result own = cfsj(socket, alone.toArray(String[]::new));
            assertNotEquals(0, own.exit(), "--no-service: a server of its own, which needs the missing object: " + own.describe());
        } finally {
            Files.move(away, object);
        }
        assertFalse(Files.exists(host.resolve("tmp/x")), "the image is unchanged");
    }

    private static Path objectOfSize(Path repo, long size) throws IOException {
        try (var s = Files.walk(repo.resolve("objects"))) {
            List<Path> found = s.filter(Files::isRegularFile).filter(p -> p.toFile().length() == size).toList();
            assertEquals(1, found.size(), "one object of " + size + " bytes: " + found);
            return found.getFirst();
        }
    }

    private static String mountOptions(Path p) throws IOException {
        String real = p.toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals(real)) {
                return f[5];
            }
        }
        return "(not mounted)";
    }
}
