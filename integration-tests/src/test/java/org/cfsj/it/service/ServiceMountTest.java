package org.cfsj.it.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Mount} and {@code OciMount} of a real {@code cfsj serve}, called in raw varlink: the
 * reply's fd is a detached mount that this test attaches with {@code move_mount} and reads; every
 * mount of one image is served by one FUSE server (one device, one page cache); {@code overlay}
 * with the client's upper and work directories gives a writable root; and a service killed with
 * SIGKILL leaves mounts that fail at once instead of hanging their readers.
 */
class ServiceMountTest {
    private static final String REPO = "org.composefs.Repository.";
    private static final String OCI = "org.composefs.Oci.";

    @TempDir
    Path work;
    private Path repo;
    private Path socket;
    private Path log;
    private Serve service;
    private final List<Path> attached = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: mounting through the service needs root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: no /dev/fuse");
        repo = work.resolve("repo");
        Path layout = work.resolve("layout");
        LayoutWriter.write(layout, "v1");
        Result pull = Cfsj.run("--repo", repo.toString(), "oci", "pull", "-q", "oci:" + layout + ":v1", "tiny");
        assertEquals(0, pull.exit(), pull.describe());
        socket = work.resolve("run/cfsj.sock");
        log = work.resolve("serve.log");
        startService();
    }

    private void startService() throws Exception {
        service = Serve.start(repo, socket, log);
    }

    @AfterEach
    void stop() throws Exception {
        for (Path p : attached.reversed()) {
            Command.of(List.of("umount", "-l", p.toString())).timeoutSeconds(30).run();
        }
        if (service != null) {
            service.close();
        }
    }

    /** Sends the call, attaches the mount fd its reply names at a new directory {@code name}. */
    private Path mountVia(FdVarlink c, String method, String params, String name, int... fds) throws IOException {
        FdVarlink.Reply r = c.call(method, params, fds);
        try {
            assertFalse(r.message().has("error"), "error reply: " + r.message() + "\n" + Files.readString(log));
            int index = r.message().path("parameters").path("fd_index").asInt(-1);
            assertTrue(index >= 0 && index < r.fds().length, "fd_index " + index + " of " + r.fds().length + " fds");
            Path dir = Files.createDirectory(work.resolve(name));
            FilesystemContext.moveMount(r.fds()[index], FileCalls.AT_FDCWD, dir.toString());
            attached.add(dir);
            return dir;
        } finally {
            for (int fd : r.fds()) {
                FileCalls.close(fd);
            }
        }
    }

    private long handle(FdVarlink c) throws IOException {
        JsonNode r = c.call(REPO + "OpenRepository", "{\"system\": true}").message();
        assertFalse(r.has("error"), r.toString());
        return r.path("parameters").path("handle").asLong();
    }

    private static long device(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:dev")).longValue();
    }

    @Test
    void mountsOfOneImageShareOneServerAndItsPageCache() throws Exception {
        try (FdVarlink c = FdVarlink.connect(socket)) {
            long h = handle(c);
            Path a = mountVia(c, OCI + "OciMount", "{\"handle\":" + h + ",\"image\":\"tiny\",\"bootable\":false,\"options\":{}}", "a");
            assertEquals("hello from the service test\n", Files.readString(a.resolve("hello.txt")));
            byte[] data = Files.readAllBytes(a.resolve("data.bin"));
            assertEquals(256 * 1024, data.length);

            // the object behind data.bin goes away: only a mount sharing a's page cache can still read it
            Path object = objectWithSize(data.length);
            Path away = work.resolve("object-away");
            Files.move(object, away);
            try {
                JsonNode refs = c.call(REPO + "ListImageRefs", "{\"handle\":" + h + "}").message();
                assertFalse(refs.has("error"), refs.toString());
                Path b = mountVia(c, OCI + "OciMount", "{\"handle\":" + h + ",\"image\":\"tiny\",\"bootable\":false,\"options\":{}}", "b");
                assertEquals(device(a), device(b), "one FUSE server, one superblock for both mounts");
                assertArrayEquals(data, Files.readAllBytes(b.resolve("data.bin")),
                        "read through b from the page cache a filled, not from the (now missing) object");
            } finally {
                Files.move(away, object);
            }
            JsonNode images = c.call(REPO + "ListImageRefs", "{\"handle\":" + h + "}").message();
            String id = images.path("parameters").path("images").path(0).path("digest").asText();
            Path byId = mountVia(c, REPO + "Mount", "{\"handle\":" + h + ",\"name\":\"" + id + "\",\"options\":{}}", "by-id");
            assertEquals(device(a), device(byId), "Repository.Mount of the same image: the same server");
        }
    }

    @Test
    void anOverlayWithTheClientsDirectoriesIsWritableAndTheImageIsNot() throws Exception {
        Path upper = Files.createDirectories(work.resolve("layer/upper"));
        Path workDir = Files.createDirectories(work.resolve("layer/work"));
        int upperFd = FileCalls.open(upper.toString(), FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        int workFd = FileCalls.open(workDir.toString(), FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        try (FdVarlink c = FdVarlink.connect(socket)) {
            long h = handle(c);
            Path image = mountVia(c, OCI + "OciMount", "{\"handle\":" + h + ",\"image\":\"tiny\",\"bootable\":false,\"options\":{}}", "image");
            Path root = mountVia(c, OCI + "OciMount", "{\"handle\":" + h + ",\"image\":\"tiny\",\"bootable\":false,"
                    + "\"options\":{\"overlay\":true,\"read_write\":true}}", "root", upperFd, workFd);
            Files.writeString(root.resolve("new.txt"), "written in the container\n");
            Files.writeString(root.resolve("hello.txt"), "changed\n");
            assertEquals("written in the container\n", Files.readString(upper.resolve("new.txt")), "the write lands in upper");
            assertEquals("changed\n", Files.readString(root.resolve("hello.txt")));
            assertEquals("hello from the service test\n", Files.readString(image.resolve("hello.txt")), "the image is unchanged");
            assertFalse(Files.exists(image.resolve("new.txt")));
            assertTrue(Command.of("touch", image.resolve("x").toString()).run().exit() != 0, "the image mount is read-only");

            FdVarlink.Reply wrong = c.call(OCI + "OciMount", "{\"handle\":" + h + ",\"image\":\"tiny\",\"bootable\":false,"
                    + "\"options\":{\"overlay\":true}}", upperFd);
            assertEquals("org.composefs.Oci.InvalidRequest", wrong.message().path("error").asText(), wrong.message().toString());

            // a file where the work directory should be is the client's mistake, named as such
            Path file = Files.writeString(work.resolve("layer/file"), "x");
            int fileFd = FileCalls.open(file.toString(), FileCalls.O_PATH | FileCalls.O_CLOEXEC, 0);
            try {
                FdVarlink.Reply notDir = c.call(OCI + "OciMount", "{\"handle\":" + h + ",\"image\":\"tiny\",\"bootable\":false,"
                        + "\"options\":{\"overlay\":true}}", upperFd, fileFd);
                assertEquals("org.composefs.Oci.InvalidRequest", notDir.message().path("error").asText(), notDir.message().toString());
                assertTrue(notDir.message().path("parameters").path("message").asText().contains("the work fd is not a directory"),
                        notDir.message().toString());
            } finally {
                FileCalls.close(fileFd);
            }
        } finally {
            FileCalls.close(upperFd);
            FileCalls.close(workFd);
        }
    }

    /** The server of an image under a writable overlay stays while the overlay is mounted, though mountinfo shows only the overlay. */
    @Test
    void anOverlayKeepsItsImagesServerPastTheIdlePeriod() throws Exception {
        service.close();
        service = Serve.start(repo, socket, log, "--idle", "1s");
        Path upper = Files.createDirectories(work.resolve("layer/upper"));
        Path workDir = Files.createDirectories(work.resolve("layer/work"));
        int upperFd = FileCalls.open(upper.toString(), FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        int workFd = FileCalls.open(workDir.toString(), FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        try (FdVarlink c = FdVarlink.connect(socket)) {
            Path root = mountVia(c, OCI + "OciMount", "{\"handle\":" + handle(c) + ",\"image\":\"tiny\",\"bootable\":false,"
                    + "\"options\":{\"overlay\":true,\"read_write\":true}}", "root", upperFd, workFd);
            Thread.sleep(4_000); // well past the idle period and its checks
            assertEquals("hello from the service test\n", Files.readString(root.resolve("hello.txt")),
                    "the image's server is still there under the overlay");
            assertEquals(256 * 1024, Files.readAllBytes(root.resolve("data.bin")).length);
        } finally {
            FileCalls.close(upperFd);
            FileCalls.close(workFd);
        }
    }

    @Test
    void aKilledServiceLeavesMountsThatFailAtOnceAndANewServiceStartsClean() throws Exception {
        Path a;
        try (FdVarlink c = FdVarlink.connect(socket)) {
            a = mountVia(c, OCI + "OciMount", "{\"handle\":" + handle(c) + ",\"image\":\"tiny\",\"bootable\":false,\"options\":{}}", "a");
        }
        assertEquals("hello from the service test\n", Files.readString(a.resolve("hello.txt")));
        service.process.destroyForcibly(); // SIGKILL
        assertTrue(service.process.waitFor(30, TimeUnit.SECONDS));
        Result reader = Command.of("cat", a.resolve("data.bin").toString()).timeoutSeconds(20).run();
        assertNotEquals(0, reader.exit(), "a reader of a mount whose server was killed gets an error: " + reader.describe());
        Result umount = Cfsj.run("umount", a.toString());
        assertEquals(0, umount.exit(), "cfsj umount removes what is left: " + umount.describe());
        attached.remove(a);

        startService(); // on the socket file the killed service left
        try (FdVarlink c = FdVarlink.connect(socket)) {
            Path b = mountVia(c, OCI + "OciMount", "{\"handle\":" + handle(c) + ",\"image\":\"tiny\",\"bootable\":false,\"options\":{}}", "b");
            assertEquals("hello from the service test\n", Files.readString(b.resolve("hello.txt")));
        }
    }

    private Path objectWithSize(long size) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            List<Path> found = s.filter(Files::isRegularFile).filter(p -> {
                try {
                    return Files.size(p) == size;
                } catch (IOException e) {
                    return false;
                }
            }).toList();
            assertEquals(1, found.size(), "one object of " + size + " bytes: " + found);
            return found.getFirst();
        }
    }
}
