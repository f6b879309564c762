package org.cfsj.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.cfsj.repo.LockWait;
import org.cfsj.repo.RepoLock;
import org.cfsj.repo.Repository;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Sockets;
import org.cfsj.varlink.IdlParser;
import org.cfsj.varlink.ServiceInfo;
import org.cfsj.varlink.VarlinkClient;
import org.cfsj.varlink.VarlinkError;
import org.cfsj.varlink.VarlinkLimits;
import org.cfsj.varlink.VarlinkServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code org.composefs.Repository} and {@code org.composefs.Oci} served on a real unix socket in a
 * private temporary directory over a real repository there, called through the varlink client:
 * every method's reply fields and errors as cfsctl names them.
 */
@Timeout(120)
class ComposefsServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ServiceInfo INFO = new ServiceInfo("cfsj", "cfsj", "test", "README.md");
    private static final ImageMounter NO_MOUNTS = (source, request, upper, work) -> {
        throw new IOException("this test mounts nothing");
    };

    @TempDir
    Path tmp;
    private Path repo;
    private Path socket;
    private ComposefsService service;
    private VarlinkServer server;

    @BeforeEach
    void start() throws IOException {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
        repo = tmp.resolve("repo");
        socket = tmp.resolve("s.sock");
        AccessPolicy policy = AccessPolicy.of(0, OptionalInt.empty());
        service = new ComposefsService(policy, repo, false, NO_MOUNTS);
        server = new VarlinkServer(INFO, service.interfaces(), VarlinkLimits.DEFAULT, policy);
        server.listen(socket);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        service.close();
    }

    private static ObjectNode params(String json) throws IOException {
        return (ObjectNode) JSON.readTree(json);
    }

    private VarlinkClient client() throws IOException {
        return VarlinkClient.connect(socket);
    }

    private static JsonNode call(VarlinkClient c, String method, String json) throws Exception {
        return c.call(method, params(json)).parameters();
    }

    private static VarlinkError error(VarlinkClient c, String method, String json) {
        return assertThrows(VarlinkError.class, () -> c.call(method, params(json)));
    }

    private long open(VarlinkClient c) throws Exception {
        call(c, "org.composefs.Repository.InitRepository", "{\"path\": \"" + repo + "\"}");
        return call(c, "org.composefs.Repository.OpenRepository", "{\"system\": true}").get("handle").asLong();
    }

    @Test
    void interfaceDescriptionsAreValidIdlWithCfsctlsSignatures() throws Exception {
        try (VarlinkClient c = client()) {
            String repoIdl = call(c, "org.varlink.service.GetInterfaceDescription",
                    "{\"interface\": \"org.composefs.Repository\"}").get("description").asText();
            IdlParser.Parsed r = IdlParser.parse(repoIdl);
            assertEquals("org.composefs.Repository", r.name());
            assertEquals(List.of("InitRepository", "EnsureRepository", "OpenRepository", "CloseRepository", "Fsck", "Gc",
                    "ImageObjects", "ListImageRefs", "Mount"), IdlParser.memberNames(r, "method"));
            assertEquals(List.of("RepoNotFound", "InvalidHandle", "InvalidSpec", "NoSuchRef", "InternalError"),
                    IdlParser.memberNames(r, "error"));
            for (String sig : List.of(
                    "method OpenRepository(path: ?string, user: ?bool, system: ?bool) -> (handle: int, hash_algorithm: ?string, objects_device_id: ?int)",
                    "method Gc(handle: int, dry_run: bool, roots: []string) -> (result: GcResult, dry_run: bool)",
                    "method Mount(handle: int, name: string, options: MountParams) -> (fd_index: int)",
                    "type MountParams (overlay: ?bool, read_write: ?bool, fuse: ?bool, passthrough: ?bool, require_verity: ?bool,"
                            + " insecure: ?bool, allow_suid_dev: ?bool)",
                    "error InvalidHandle (handle: int)")) {
                assertTrue(repoIdl.contains(sig + "\n"), sig + " in\n" + repoIdl);
            }
            String ociIdl = call(c, "org.varlink.service.GetInterfaceDescription",
                    "{\"interface\": \"org.composefs.Oci\"}").get("description").asText();
            IdlParser.Parsed o = IdlParser.parse(ociIdl);
            assertEquals(List.of("ListImages", "Check", "Inspect", "Tag", "Untag", "Pull", "OciMount"),
                    IdlParser.memberNames(o, "method"));
            assertTrue(ociIdl.contains("method OciMount(handle: int, image: string, bootable: bool, options: MountParams)"
                    + " -> (fd_index: int)\n"), ociIdl);
            assertTrue(ociIdl.contains("error NoSuchImage (image: string)\n"), ociIdl);
        }
    }

    @Test
    void handlesBelongToTheirConnectionAndDieWithIt() throws Exception {
        try (VarlinkClient a = client(); VarlinkClient b = client()) {
            long h = open(a);
            assertEquals(1, service.openRepositories());
            call(a, "org.composefs.Repository.ListImageRefs", "{\"handle\": " + h + "}");
            VarlinkError other = error(b, "org.composefs.Repository.Fsck", "{\"handle\": " + h + "}");
            assertEquals("org.composefs.Repository.InvalidHandle", other.error());
            assertEquals(h, other.parameters().get("handle").asLong());
            assertEquals("org.composefs.Oci.InvalidHandle", error(b, "org.composefs.Oci.ListImages",
                    "{\"handle\": " + h + "}").error());
            assertEquals("org.composefs.Repository.InvalidHandle",
                    error(b, "org.composefs.Repository.CloseRepository", "{\"handle\": " + h + "}").error());
            call(a, "org.composefs.Repository.CloseRepository", "{\"handle\": " + h + "}");
            assertEquals("org.composefs.Repository.InvalidHandle",
                    error(a, "org.composefs.Repository.CloseRepository", "{\"handle\": " + h + "}").error());
            long h2 = call(a, "org.composefs.Repository.OpenRepository", "{\"path\": \"" + repo + "\"}").get("handle").asLong();
            assertTrue(h2 > h, "handles are not reused");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (service.openRepositories() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, service.openRepositories(), "a connection's handles are closed when it ends");
    }

    @Test
    void aConnectionHoldsAtMostItsShareOfHandles() throws Exception {
        try (VarlinkClient c = client()) {
            long first = open(c);
            for (int i = 1; i < RepositoryHandles.MAX_PER_CONNECTION; i++) {
                call(c, "org.composefs.Repository.OpenRepository", "{\"system\": true}");
            }
            VarlinkError full = error(c, "org.composefs.Repository.OpenRepository", "{\"system\": true}");
            assertEquals("org.composefs.Repository.InvalidSpec", full.error());
            assertTrue(full.parameters().get("message").asText().contains(Integer.toString(RepositoryHandles.MAX_PER_CONNECTION)),
                    full.toString());
            assertEquals(RepositoryHandles.MAX_PER_CONNECTION, service.openRepositories(), "the refused repository was closed");
            call(c, "org.composefs.Repository.CloseRepository", "{\"handle\": " + first + "}");
            call(c, "org.composefs.Repository.OpenRepository", "{\"system\": true}");
            try (VarlinkClient other = client()) {
                call(other, "org.composefs.Repository.OpenRepository", "{\"system\": true}"); // a share per connection
            }
        }
    }

    @Test
    void aHandleNoIntCanHoldIsAnInvalidParameter() throws Exception {
        try (VarlinkClient c = client()) {
            open(c);
            for (String big : List.of("1180591620717411303424", "-1180591620717411303424", "1e30")) {
                VarlinkError e = error(c, "org.composefs.Repository.CloseRepository", "{\"handle\": " + big + "}");
                assertEquals("org.varlink.service.InvalidParameter", e.error(), big);
                assertEquals("handle", e.parameters().get("parameter").asText(), big);
            }
            assertEquals(1, service.openRepositories(), "nothing was closed");
        }
    }

    @Test
    void initEnsureAndOpenAnswerAsCfsctl() throws Exception {
        Path other = tmp.resolve("a/b/other");
        try (VarlinkClient c = client()) {
            assertTrue(call(c, "org.composefs.Repository.InitRepository", "{\"path\": \"" + other + "\"}").get("created").asBoolean());
            assertFalse(call(c, "org.composefs.Repository.InitRepository", "{\"path\": \"" + other + "\"}").get("created").asBoolean());
            assertEquals("Opened", call(c, "org.composefs.Repository.EnsureRepository", "{\"path\": \"" + other + "\"}")
                    .get("status").asText());
            assertEquals("Created", call(c, "org.composefs.Repository.EnsureRepository",
                    "{\"path\": \"" + tmp.resolve("fresh") + "\", \"algorithm\": \"fsverity-sha256-12\"}").get("status").asText());
            VarlinkError alg = error(c, "org.composefs.Repository.InitRepository",
                    "{\"path\": \"" + tmp.resolve("x") + "\", \"algorithm\": \"fsverity-md5-12\"}");
            assertEquals("org.composefs.Repository.InvalidSpec", alg.error());
            assertFalse(Files.exists(tmp.resolve("x")), "a refused init creates nothing");
            assertEquals("org.composefs.Repository.InvalidSpec", error(c, "org.composefs.Repository.OpenRepository", "{}").error());
            assertEquals("org.composefs.Repository.InvalidSpec", error(c, "org.composefs.Repository.OpenRepository",
                    "{\"system\": true, \"path\": \"" + other + "\"}").error());
            assertEquals("org.composefs.Repository.InvalidSpec",
                    error(c, "org.composefs.Repository.OpenRepository", "{\"user\": true}").error(), "a root service has no user repository");
            VarlinkError missing = error(c, "org.composefs.Repository.OpenRepository", "{\"path\": \"" + tmp.resolve("none") + "\"}");
            assertEquals("org.composefs.Repository.RepoNotFound", missing.error());
            assertTrue(missing.parameters().get("message").asText().contains("no repository"), missing.toString());
            JsonNode opened = call(c, "org.composefs.Repository.OpenRepository", "{\"path\": \"" + other + "\"}");
            assertEquals("sha256", opened.get("hash_algorithm").asText());
            assertTrue(opened.get("objects_device_id").isIntegralNumber());
            Path sha512 = tmp.resolve("sha512");
            assertTrue(call(c, "org.composefs.Repository.InitRepository",
                    "{\"path\": \"" + sha512 + "\", \"algorithm\": \"fsverity-sha512-12\"}").get("created").asBoolean());
            assertTrue(Files.readString(sha512.resolve("meta.json")).contains("fsverity-sha512-12"));
            assertEquals("sha512", call(c, "org.composefs.Repository.OpenRepository", "{\"path\": \"" + sha512 + "\"}")
                    .get("hash_algorithm").asText());
            assertEquals("org.composefs.Repository.InvalidSpec", error(c, "org.composefs.Repository.InitRepository",
                    "{\"path\": \"" + sha512 + "\", \"algorithm\": \"fsverity-sha256-12\"}").error(),
                    "an existing repository of another algorithm");
            assertEquals("org.composefs.Repository.InvalidSpec",
                    error(c, "org.composefs.Repository.OpenRepository", "{\"path\": \"/a\\u0000b\"}").error());
            // a wrong type never reaches the method
            assertEquals("org.varlink.service.InvalidParameter",
                    error(c, "org.composefs.Repository.Fsck", "{\"handle\": \"one\"}").error());
        }
    }

    @Test
    void pullStreamsProgressThenEveryOciAndRepositoryMethodSeesTheImage() throws Exception {
        Path layout = tmp.resolve("layout");
        String manifest = TinyOciLayout.write(layout, "v1");
        try (VarlinkClient c = client()) {
            long h = open(c);
            List<JsonNode> frames = new ArrayList<>();
            VarlinkClient.Reply last = c.callMore("org.composefs.Oci.Pull", params("{\"handle\": " + h + ", \"image\": \"oci:"
                    + layout + ":v1\", \"name\": \"tiny:v1\", \"local_fetch\": \"disabled\", \"bootable\": false}"),
                    r -> frames.add(r.parameters()));
            assertFalse(frames.isEmpty(), "a pull with more streams progress before its result");
            for (JsonNode f : frames) {
                long set = List.of("started", "progress", "skipped", "done", "message").stream()
                        .filter(k -> f.hasNonNull(k)).count();
                assertEquals(1, set, "exactly one event per frame: " + f);
                assertFalse(f.has("completed"), f.toString());
            }
            assertTrue(frames.stream().anyMatch(f -> f.has("started")), frames.toString());
            assertTrue(frames.stream().anyMatch(f -> f.has("done")), frames.toString());
            JsonNode completed = last.parameters().get("completed");
            assertEquals(manifest, completed.get("manifest_digest").asText());
            assertTrue(completed.get("manifest_verity").asText().matches("[0-9a-f]{64}"), completed.toString());
            String imageId = completed.get("image_id").asText();

            JsonNode images = call(c, "org.composefs.Oci.ListImages", "{\"handle\": " + h + "}").get("images");
            assertEquals(1, images.size(), images.toString());
            assertEquals("tiny:v1", images.get(0).get("name").asText());
            assertEquals(manifest, images.get(0).get("manifest_digest").asText());
            assertEquals("amd64", images.get(0).get("architecture").asText());
            assertEquals(1, images.get(0).get("layer_count").asInt());
            assertEquals(0, call(c, "org.composefs.Oci.ListImages", "{\"handle\": " + h + ", \"filter\": \"nope\"}")
                    .get("images").size());

            JsonNode inspect = call(c, "org.composefs.Oci.Inspect", "{\"handle\": " + h + ", \"image\": \"tiny:v1\"}");
            assertEquals(manifest, TinyOciLayout.sha256(inspect.get("manifest").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals("amd64", JSON.readTree(inspect.get("config").asText()).get("architecture").asText());
            assertEquals(imageId, inspect.get("composefs_erofs").asText());

            call(c, "org.composefs.Oci.Tag", "{\"handle\": " + h + ", \"manifest_digest\": \"" + manifest + "\", \"name\": \"tiny:v2\"}");
            assertEquals(2, call(c, "org.composefs.Oci.ListImages", "{\"handle\": " + h + "}").get("images").size());
            JsonNode refs = call(c, "org.composefs.Repository.ListImageRefs", "{\"handle\": " + h + "}").get("images");
            assertEquals(2, refs.size(), refs.toString());
            for (JsonNode ref : refs) {
                assertEquals(imageId, ref.get("digest").asText(), refs.toString());
            }
            call(c, "org.composefs.Oci.Untag", "{\"handle\": " + h + ", \"name\": \"tiny:v2\"}");
            assertEquals(1, call(c, "org.composefs.Oci.ListImages", "{\"handle\": " + h + "}").get("images").size());

            JsonNode objects = call(c, "org.composefs.Repository.ImageObjects", "{\"handle\": " + h + ", \"name\": \"" + imageId + "\"}")
                    .get("object_ids");
            assertEquals(1, objects.size(), "the one file too large to inline: " + objects);
            String hex = objects.get(0).asText().substring("sha256:".length());
            assertArrayEquals(TinyOciLayout.BIG, Files.readAllBytes(repo.resolve("objects").resolve(hex.substring(0, 2)).resolve(hex.substring(2))));
            String ref = refs.get(0).get("name").asText();
            assertEquals(objects, call(c, "org.composefs.Repository.ImageObjects", "{\"handle\": " + h + ", \"name\": \"refs/" + ref + "\"}")
                    .get("object_ids"));

            JsonNode fsck = call(c, "org.composefs.Repository.Fsck", "{\"handle\": " + h + "}");
            assertTrue(fsck.get("ok").asBoolean(), fsck.toString());
            assertTrue(fsck.get("objects_checked").asLong() >= 2, fsck.toString());
            assertEquals(1, fsck.get("images_checked").asLong(), fsck.toString());
            JsonNode check = call(c, "org.composefs.Oci.Check", "{\"handle\": " + h + "}");
            assertTrue(check.get("ok").asBoolean(), check.toString());
            assertEquals(1, check.get("images_checked").asLong());
            assertTrue(check.get("repo").get("ok").asBoolean());
            JsonNode dry = call(c, "org.composefs.Repository.Gc", "{\"handle\": " + h + ", \"dry_run\": true, \"roots\": []}");
            assertTrue(dry.get("dry_run").asBoolean());
            JsonNode gc = call(c, "org.composefs.Repository.Gc", "{\"handle\": " + h + ", \"dry_run\": false, \"roots\": []}");
            assertFalse(gc.get("dry_run").asBoolean());
            assertEquals(dry.get("result"), gc.get("result"), "a dry run says what the real one removes");
            assertEquals(0, call(c, "org.composefs.Repository.Gc", "{\"handle\": " + h + ", \"dry_run\": true, \"roots\": []}")
                    .get("result").get("objects_removed").asLong(), "nothing is left to remove");
            assertTrue(call(c, "org.composefs.Repository.Fsck", "{\"handle\": " + h + "}").get("ok").asBoolean());
            assertEquals(imageId, call(c, "org.composefs.Oci.Inspect", "{\"handle\": " + h + ", \"image\": \"tiny:v1\"}")
                    .get("composefs_erofs").asText(), "what the tag reaches survives gc");
        }
    }

    @Test
    @Timeout(120)
    void aPullWhoseClientNeverReadsReleasesTheRepositoryLock() throws Exception {
        Path layout = tmp.resolve("many");
        TinyOciLayout.writeLayers(layout, "v1", 400); // far more progress frames than a socket buffer holds
        try (VarlinkClient c = client()) {
            long h = open(c);
            // sent by hand on a connection of its own that never reads a byte of the replies; handles count
            // up, so its OpenRepository gets the next one
            int mute = Sockets.connect(socket.toString());
            try (Arena arena = Arena.ofConfined()) {
                String calls = "{\"method\": \"org.composefs.Repository.OpenRepository\", \"parameters\": {\"system\": true}}\0"
                        + "{\"method\": \"org.composefs.Oci.Pull\", \"more\": true, \"parameters\": {\"handle\": " + (h + 1)
                        + ", \"image\": \"oci:" + layout + ":v1\", \"name\": \"many:v1\", \"local_fetch\": \"disabled\","
                        + " \"bootable\": false}}\0";
                MemorySegment bytes = arena.allocateFrom(calls);
                assertEquals(bytes.byteSize() - 1, Sockets.send(mute, bytes.asSlice(0, bytes.byteSize() - 1), new int[0]));
                // the mute client still reads nothing: the pull must get to its end anyway
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (call(c, "org.composefs.Oci.ListImages", "{\"handle\": " + h + "}").get("images").isEmpty()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(1, call(c, "org.composefs.Oci.ListImages", "{\"handle\": " + h + "}").get("images").size(),
                        "the pull completed although its client reads nothing");
                try (Repository r = Repository.open(repo)) {
                    r.setLockWait(new LockWait(Duration.ofSeconds(20), m -> {}));
                    try (RepoLock lock = r.lock(RepoLock.Mode.EXCLUSIVE)) {
                        assertNotNull(lock, "nothing holds the repository lock for the stalled client");
                    }
                }
            } finally {
                FileCalls.close(mute);
            }
        }
    }

    @Test
    void errorsAreCfsctlsAndTheConnectionStaysUsable() throws Exception {
        try (VarlinkClient c = client()) {
            long h = open(c);
            VarlinkError missing = error(c, "org.composefs.Oci.Inspect", "{\"handle\": " + h + ", \"image\": \"does-not-exist\"}");
            assertEquals("org.composefs.Oci.NoSuchImage", missing.error());
            assertEquals("does-not-exist", missing.parameters().get("image").asText());
            assertEquals("org.composefs.Oci.NoSuchImage", error(c, "org.composefs.Oci.Untag",
                    "{\"handle\": " + h + ", \"name\": \"does-not-exist\"}").error());
            assertEquals("org.composefs.Oci.InvalidDigest", error(c, "org.composefs.Oci.Tag",
                    "{\"handle\": " + h + ", \"manifest_digest\": \"sha256:xyz\", \"name\": \"a\"}").error());
            assertEquals("org.composefs.Oci.NoSuchImage", error(c, "org.composefs.Oci.Tag",
                    "{\"handle\": " + h + ", \"manifest_digest\": \"sha256:" + "0".repeat(64) + "\", \"name\": \"a\"}").error());
            assertEquals("org.composefs.Repository.NoSuchRef", error(c, "org.composefs.Repository.ImageObjects",
                    "{\"handle\": " + h + ", \"name\": \"refs/../../etc\"}").error());
            assertEquals("org.composefs.Repository.InvalidSpec", error(c, "org.composefs.Repository.Gc",
                    "{\"handle\": " + h + ", \"dry_run\": true, \"roots\": [\"x\"]}").error());
            assertEquals("org.composefs.Oci.InvalidRequest", error(c, "org.composefs.Oci.Pull",
                    "{\"handle\": " + h + ", \"image\": \"oci:/x\", \"local_fetch\": \"disabled\", \"bootable\": true}").error());
            assertEquals("org.composefs.Oci.InvalidRequest", error(c, "org.composefs.Oci.Pull",
                    "{\"handle\": " + h + ", \"image\": \"nonsense\", \"local_fetch\": \"disabled\", \"bootable\": false}").error());
            VarlinkError failed = error(c, "org.composefs.Oci.Pull", "{\"handle\": " + h + ", \"image\": \"oci:"
                    + tmp.resolve("no-layout") + "\", \"local_fetch\": \"disabled\", \"bootable\": false}");
            assertEquals("org.composefs.Oci.InternalError", failed.error());
            assertFalse(failed.parameters().get("message").asText().contains("\n\tat "), "no stack trace");
            // Mount checks the fds its options need before anything is mounted
            assertEquals("org.composefs.Repository.NoSuchRef", error(c, "org.composefs.Repository.Mount",
                    "{\"handle\": " + h + ", \"name\": \"nothing\", \"options\": {}}").error());
            assertEquals("org.composefs.Oci.InvalidRequest", error(c, "org.composefs.Oci.OciMount",
                    "{\"handle\": " + h + ", \"image\": \"x\", \"bootable\": true, \"options\": {}}").error());
            assertEquals("org.varlink.service.MethodNotFound", error(c, "org.composefs.Oci.ComputeId", "{}").error());
            assertEquals(0, call(c, "org.composefs.Oci.ListImages", "{\"handle\": " + h + "}").get("images").size());
        }
    }

    @Test
    void aPeerThePolicyDoesNotAdmitIsRefusedOnItsFirstCall() throws Exception {
        server.close();
        AccessPolicy someoneElse = AccessPolicy.of(4242, OptionalInt.empty()); // a user service of another uid
        server = new VarlinkServer(INFO, service.interfaces(), VarlinkLimits.DEFAULT, someoneElse);
        server.listen(socket);
        try (VarlinkClient c = client()) {
            assertEquals("org.varlink.service.PermissionDenied", error(c, "org.varlink.service.GetInfo", "{}").error());
            assertThrows(IOException.class, () -> c.call("org.varlink.service.GetInfo", params("{}")),
                    "the refused connection is closed");
        }
    }

    @Test
    void policyAdmitsByUidAndGroupAndConfinesGroupClientsToTheServicesRepository() throws Exception {
        AccessPolicy rootOnly = AccessPolicy.of(0, OptionalInt.empty());
        assertTrue(rootOnly.admits(new Sockets.PeerCredentials(1, 0, 0)));
        assertFalse(rootOnly.admits(new Sockets.PeerCredentials(1, 1000, 1000)));
        AccessPolicy group = AccessPolicy.of(0, OptionalInt.of(1234));
        assertTrue(group.admits(new Sockets.PeerCredentials(1, 1000, 1234)), "primary gid");
        assertFalse(group.admits(new Sockets.PeerCredentials(Integer.MAX_VALUE, 1000, 1000)), "no such process: no groups");
        AccessPolicy user = AccessPolicy.of(1000, OptionalInt.empty());
        assertTrue(user.admits(new Sockets.PeerCredentials(1, 1000, 1000)));
        assertFalse(user.admits(new Sockets.PeerCredentials(1, 0, 0)), "a user service serves its user only");

        String status = "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t4 24 1234 \n";
        assertEquals(Set.of(4, 24, 1234), AccessPolicy.groupsOf(status, 1000));
        assertEquals(Set.of(), AccessPolicy.groupsOf(status, 1001), "a reused pid of another user lends no groups");

        Files.createDirectories(repo);
        Sockets.PeerCredentials member = new Sockets.PeerCredentials(1, 1000, 1234);
        assertEquals(repo, group.repositoryFor(member, repo, repo));
        VarlinkError denied = assertThrows(VarlinkError.class, () -> group.repositoryFor(member, tmp, repo));
        assertEquals("org.varlink.service.PermissionDenied", denied.error());
        assertEquals(tmp, group.repositoryFor(new Sockets.PeerCredentials(1, 0, 0), tmp, repo), "root names any path");

        // A member's symlink to the service's repository is compared, never kept: re-pointing it
        // after the check must not lead the service (which opens what this returns) elsewhere.
        Path link = Files.createSymbolicLink(tmp.resolve("member-link"), repo);
        assertEquals(repo, group.repositoryFor(member, link, repo), "the service's own path, not the member's link");
    }
}
