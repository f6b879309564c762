package org.cfsj.it.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    private Process service;

    @AfterEach
    void cleanUp() throws Exception {
        for (Path p : mounted) {
            Command.of(List.of("umount", "-l", p.toString())).timeoutSeconds(30).run();
        }
        if (service != null) {
            service.destroy();
            if (!service.waitFor(30, TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor();
            }
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
        service = new ProcessBuilder(Cfsj.argv(List.of("--repo", repo.toString(), "serve", "--socket", socket.toString())))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket)) {
            if (!service.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("cfsj serve did not come up: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
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
}
