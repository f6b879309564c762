package org.cfsj.it.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cfsj serve} as a real process on a socket in a temporary directory, spoken to in raw
 * varlink ({@link RawVarlink}, written from the protocol): GetInfo and every interface's
 * description (checked as IDL by {@link IdlCheck}), every method of
 * {@code org.composefs.Repository} and {@code org.composefs.Oci} but the mounts, {@code Pull}
 * with streamed progress from a real registry, error replies, hostile messages that must not
 * stop the service, and a peer its credentials refuse.
 */
@Timeout(300)
class ServiceProtocolTest {
    private static final String REPO = "org.composefs.Repository.";
    private static final String OCI = "org.composefs.Oci.";

    @TempDir
    static Path work;
    private static TestRegistry registry;
    private static Process service;
    private static Path socket;
    private static Path repo;
    private static Path log;
    private static String pushed;

    /** The client run as nobody: a GetInfo call in raw varlink, the reply printed as it came. */
    private static final String NOBODY_CLIENT = """
            import java.io.ByteArrayOutputStream;
            import java.net.UnixDomainSocketAddress;
            import java.nio.ByteBuffer;
            import java.nio.channels.SocketChannel;
            import java.nio.charset.StandardCharsets;

            public class Client {
                public static void main(String[] args) throws Exception {
                    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(args[0]))) {
                        ch.write(ByteBuffer.wrap("{\\"method\\":\\"org.varlink.service.GetInfo\\",\\"parameters\\":{}}\\0"
                                .getBytes(StandardCharsets.UTF_8)));
                        ByteArrayOutputStream got = new ByteArrayOutputStream();
                        ByteBuffer b = ByteBuffer.allocate(4096);
                        while (ch.read(b.clear()) > 0) {
                            got.write(b.array(), 0, b.position());
                            if (b.array()[b.position() - 1] == 0) {
                                break;
                            }
                        }
                        String reply = got.toString(StandardCharsets.UTF_8);
                        System.out.println(reply.endsWith("\\0") ? reply.substring(0, reply.length() - 1) : reply);
                    }
                }
            }
            """;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: the service test runs a root service and a client as nobody: run as root");
        Assumptions.assumeTrue(TestRegistry.available(), "SKIPPED: docker-registry is not installed (apt-get install docker-registry)");
        Assumptions.assumeTrue(Command.onPath("skopeo"), "SKIPPED: skopeo is not installed");
        registry = TestRegistry.start(work.resolve("registry"));
        Path layout = work.resolve("layout");
        LayoutWriter.write(layout, "v1");
        pushed = "docker://" + registry.host() + "/svc/tiny:1";
        Command.of("skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:" + layout + ":v1", pushed).check();

        repo = work.resolve("repo");
        socket = work.resolve("run/cfsj.sock");
        log = work.resolve("serve.log");
        service = new ProcessBuilder(Cfsj.argv(List.of("--repo", repo.toString(), "serve", "--socket", socket.toString())))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (RawVarlink c = RawVarlink.connect(socket)) {
                c.call("org.varlink.service.GetInfo", "{}");
                break;
            } catch (IOException e) {
                if (!service.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("cfsj serve did not come up: " + Files.readString(log), e);
                }
                Thread.sleep(100);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (service != null) {
                service.destroy(); // SIGTERM
                assertTrue(service.waitFor(30, TimeUnit.SECONDS), "cfsj serve stops on SIGTERM");
                assertEquals(0, service.exitValue(), "exit status 0 on SIGTERM: " + Files.readString(log));
                assertFalse(Files.exists(socket), "the socket file is removed on the way out");
            }
        } finally {
            if (service != null && service.isAlive()) {
                service.destroyForcibly().waitFor();
            }
            if (registry != null) {
                registry.close();
            }
        }
    }

    private static RawVarlink client() throws IOException {
        return RawVarlink.connect(socket);
    }

    /** The reply's parameters; fails on an error reply. */
    private static JsonNode ok(JsonNode reply) {
        assertFalse(reply.has("error"), "unexpected error reply: " + reply);
        return reply.path("parameters");
    }

    private static String error(JsonNode reply) {
        assertTrue(reply.has("error"), "expected an error reply: " + reply);
        return reply.get("error").asText();
    }

    private static long openSystem(RawVarlink c) throws IOException {
        ok(c.call(REPO + "InitRepository", "{\"path\": \"" + repo + "\"}"));
        return ok(c.call(REPO + "OpenRepository", "{\"system\": true}")).get("handle").asLong();
    }

    @Test
    void getInfoAndEveryInterfaceDescriptionIsValidIdl() throws Exception {
        try (RawVarlink c = client()) {
            JsonNode info = ok(c.call("org.varlink.service.GetInfo", "{}"));
            assertEquals("cfsj", info.get("vendor").asText());
            assertEquals("cfsj", info.get("product").asText());
            assertTrue(info.get("version").asText().contains("(commit "), info.toString());
            List<String> interfaces = RawVarlink.JSON.convertValue(info.get("interfaces"), List.class);
            assertEquals(List.of("org.varlink.service", "org.composefs.Repository", "org.composefs.Oci"), interfaces);
            for (String name : interfaces) {
                String idl = ok(c.call("org.varlink.service.GetInterfaceDescription", "{\"interface\": \"" + name + "\"}"))
                        .get("description").asText();
                IdlCheck.Idl parsed = IdlCheck.parse(idl);
                assertEquals(name, parsed.name());
                switch (name) {
                    case "org.composefs.Repository" -> {
                        assertEquals(methods("InitRepository", "EnsureRepository", "OpenRepository", "CloseRepository", "Fsck",
                                "Gc", "ImageObjects", "ListImageRefs", "Mount"), members(parsed, "method"));
                        assertEquals(methods("RepoNotFound", "InvalidHandle", "InvalidSpec", "NoSuchRef", "InternalError"),
                                members(parsed, "error"));
                    }
                    case "org.composefs.Oci" -> assertEquals(methods("ListImages", "Check", "Inspect", "Tag", "Untag", "Pull",
                            "OciMount"), members(parsed, "method"));
                    default -> assertTrue(members(parsed, "method").contains("GetInterfaceDescription"));
                }
            }
            assertEquals("org.varlink.service.InterfaceNotFound",
                    error(c.call("org.varlink.service.GetInterfaceDescription", "{\"interface\": \"org.example.none\"}")));
        }
    }

    private static Set<String> methods(String... names) {
        return new TreeSet<>(Arrays.asList(names));
    }

    private static Set<String> members(IdlCheck.Idl idl, String kind) {
        TreeSet<String> out = new TreeSet<>();
        idl.members().forEach((m, k) -> {
            if (k.equals(kind)) {
                out.add(m);
            }
        });
        return out;
    }

    @Test
    void repositoriesAreInitialisedOpenedAndClosedByHandle() throws Exception {
        Path other = work.resolve("other-repo");
        try (RawVarlink c = client()) {
            assertTrue(ok(c.call(REPO + "InitRepository", "{\"path\": \"" + other + "\"}")).get("created").asBoolean());
            assertFalse(ok(c.call(REPO + "InitRepository", "{\"path\": \"" + other + "\"}")).get("created").asBoolean());
            assertEquals("Opened", ok(c.call(REPO + "EnsureRepository", "{\"path\": \"" + other + "\"}")).get("status").asText());
            JsonNode opened = ok(c.call(REPO + "OpenRepository", "{\"path\": \"" + other + "\"}"));
            long h = opened.get("handle").asLong();
            assertEquals("sha256", opened.get("hash_algorithm").asText());
            assertEquals(0, ok(c.call(REPO + "ListImageRefs", "{\"handle\": " + h + "}")).get("images").size());
            ok(c.call(REPO + "CloseRepository", "{\"handle\": " + h + "}"));
            JsonNode closed = c.call(REPO + "ListImageRefs", "{\"handle\": " + h + "}");
            assertEquals(REPO + "InvalidHandle", error(closed));
            assertEquals(h, closed.get("parameters").get("handle").asLong());
            assertEquals(REPO + "InvalidSpec", error(c.call(REPO + "OpenRepository", "{}")));
            assertEquals(REPO + "RepoNotFound", error(c.call(REPO + "OpenRepository", "{\"path\": \"" + work.resolve("none") + "\"}")));
        }
        try (RawVarlink a = client(); RawVarlink b = client()) {
            long h = openSystem(a);
            assertEquals(REPO + "InvalidHandle", error(b.call(REPO + "Fsck", "{\"handle\": " + h + "}")),
                    "a handle is its connection's alone");
        }
    }

    @Test
    void pullStreamsProgressAndTheImageIsThereForEveryMethod() throws Exception {
        try (RawVarlink c = client()) {
            long h = openSystem(c);
            List<JsonNode> replies = c.callMore(OCI + "Pull", "{\"handle\": " + h + ", \"image\": \"" + pushed
                    + "\", \"name\": \"tiny:1\", \"local_fetch\": \"disabled\", \"storage_root\": null, \"bootable\": false}");
            JsonNode last = replies.getLast();
            assertFalse(last.path("continues").asBoolean(false), "the last reply ends the stream");
            JsonNode completed = ok(last).get("completed");
            assertTrue(completed != null && completed.isObject(), "the last reply carries the result: " + last);
            assertTrue(replies.size() >= 3, "progress came before the result: " + replies);
            for (JsonNode r : replies.subList(0, replies.size() - 1)) {
                assertTrue(r.path("continues").asBoolean(false), r.toString());
                long set = List.of("started", "progress", "skipped", "done", "message").stream()
                        .filter(k -> ok(r).hasNonNull(k)).count();
                assertEquals(1, set, "exactly one event per progress frame: " + r);
            }
            assertTrue(replies.stream().anyMatch(r -> ok(r).has("started")), replies.toString());
            assertTrue(replies.stream().anyMatch(r -> ok(r).has("done")), replies.toString());
            String manifest = completed.get("manifest_digest").asText();
            assertTrue(manifest.matches("sha256:[0-9a-f]{64}"), completed.toString());
            String imageId = completed.get("image_id").asText();

            JsonNode images = ok(c.call(OCI + "ListImages", "{\"handle\": " + h + ", \"filter\": \"tiny\"}")).get("images");
            assertEquals(1, images.size(), images.toString());
            assertEquals("tiny:1", images.get(0).get("name").asText());
            assertEquals(manifest, images.get(0).get("manifest_digest").asText());

            JsonNode inspect = ok(c.call(OCI + "Inspect", "{\"handle\": " + h + ", \"image\": \"tiny:1\"}"));
            assertEquals(1, RawVarlink.JSON.readTree(inspect.get("manifest").asText()).get("layers").size());
            assertEquals(imageId, inspect.get("composefs_erofs").asText());

            ok(c.call(OCI + "Tag", "{\"handle\": " + h + ", \"manifest_digest\": \"" + manifest + "\", \"name\": \"tiny:2\"}"));
            JsonNode refs = ok(c.call(REPO + "ListImageRefs", "{\"handle\": " + h + "}")).get("images");
            assertEquals(2, refs.size(), refs.toString());
            ok(c.call(OCI + "Untag", "{\"handle\": " + h + ", \"name\": \"tiny:2\"}"));
            assertEquals(1, ok(c.call(REPO + "ListImageRefs", "{\"handle\": " + h + "}")).get("images").size());

            JsonNode objects = ok(c.call(REPO + "ImageObjects", "{\"handle\": " + h + ", \"name\": \"" + imageId + "\"}"))
                    .get("object_ids");
            assertEquals(1, objects.size(), objects.toString());
            String hex = objects.get(0).asText().substring("sha256:".length());
            assertTrue(Files.isRegularFile(repo.resolve("objects").resolve(hex.substring(0, 2)).resolve(hex.substring(2))));

            JsonNode fsck = ok(c.call(REPO + "Fsck", "{\"handle\": " + h + "}"));
            assertTrue(fsck.get("ok").asBoolean(), fsck.toString());
            JsonNode check = ok(c.call(OCI + "Check", "{\"handle\": " + h + ", \"image\": \"tiny:1\"}"));
            assertTrue(check.get("ok").asBoolean(), check.toString());
            assertEquals(1, check.get("images_checked").asInt());
            JsonNode gc = ok(c.call(REPO + "Gc", "{\"handle\": " + h + ", \"dry_run\": true, \"roots\": []}"));
            assertTrue(gc.get("dry_run").asBoolean());
            assertTrue(gc.get("result").has("objects_removed"), gc.toString());
        }
        Result cli = Cfsj.run("--repo", repo.toString(), "oci", "images");
        assertTrue(cli.out().contains("tiny:1"), "the CLI sees what the service pulled: " + cli.out());
    }

    /** A client that hangs up mid-pull leaves a consistent repository: fsck is clean, and the service goes on. */
    @Test
    void aClientThatDisconnectsMidPullLeavesTheRepositoryConsistent() throws Exception {
        try (RawVarlink c = client()) {
            long h = openSystem(c);
            c.send(OCI + "Pull", "{\"handle\": " + h + ", \"image\": \"" + pushed + "\", \"name\": \"gone:1\","
                    + " \"local_fetch\": \"disabled\", \"bootable\": false}", true);
            JsonNode first = c.receive();
            assertTrue(first.path("continues").asBoolean(false), "the pull had begun: " + first);
        } // hung up here, with the pull under way
        Result fsck = Cfsj.command("--repo", repo.toString(), "--lock-timeout", "60", "fsck").timeoutSeconds(120).run();
        assertEquals(0, fsck.exit(), "the repository is consistent after the client left: " + fsck.describe());
        try (RawVarlink c = client()) {
            ok(c.call("org.varlink.service.GetInfo", "{}"));
        }
    }

    @Test
    void errorsAreRepliesAndHostileMessagesNeverStopTheService() throws Exception {
        try (RawVarlink c = client()) {
            long h = openSystem(c);
            assertEquals(OCI + "InvalidHandle", error(c.call(OCI + "ListImages", "{\"handle\": 987654321}")));
            JsonNode missing = c.call(OCI + "Inspect", "{\"handle\": " + h + ", \"image\": \"no-such-image\"}");
            assertEquals(OCI + "NoSuchImage", error(missing));
            assertEquals("no-such-image", missing.get("parameters").get("image").asText());
            assertEquals("org.varlink.service.MethodNotFound", error(c.call(OCI + "NoSuchMethod", "{}")));
            assertEquals("org.varlink.service.InvalidParameter", error(c.call(REPO + "Fsck", "{\"handle\": \"x\"}")));
            // the connection still serves after error replies
            ok(c.call(OCI + "ListImages", "{\"handle\": " + h + "}"));
        }
        try (RawVarlink bad = client()) {
            bad.sendRaw("{\"method\": \"org.varlink.service.GetInfo\", ".getBytes(StandardCharsets.UTF_8));
            assertErrorOrDisconnect(bad);
        }
        try (RawVarlink huge = client()) {
            byte[] big = new byte[9 << 20]; // over the 8 MiB message cap, never NUL-terminated in time
            Arrays.fill(big, (byte) ' ');
            try {
                huge.sendRaw(big);
            } catch (IOException e) {
                // the service may close the connection while the bytes are still going out
            }
            assertErrorOrDisconnect(huge);
        }
        try (RawVarlink c = client()) {
            assertEquals("cfsj", ok(c.call("org.varlink.service.GetInfo", "{}")).get("vendor").asText(),
                    "another client is still served");
        }
        assertTrue(service.isAlive());
    }

    private static void assertErrorOrDisconnect(RawVarlink c) throws IOException {
        try {
            JsonNode r = c.receive();
            assertEquals("org.varlink.service.InvalidParameter", error(r));
        } catch (EOFException | SocketException e) {
            // closed without a reply: also an acceptable answer to a broken stream
        }
    }

    @Test
    void aPeerItsCredentialsRefuseGetsPermissionDenied() throws Exception {
        Assumptions.assumeTrue(Command.onPath("setpriv"), "SKIPPED: setpriv (util-linux) is not installed");
        // Let nobody reach the socket (the service made it 0600): only the peer check is left to refuse it.
        Path clientDir = work.resolve("nobody-client");
        Files.createDirectories(clientDir);
        Path source = clientDir.resolve("Client.java");
        Files.writeString(source, NOBODY_CLIENT);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(clientDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        try {
            Result r = Command.of(Cfsj.java(), source.toString(), socket.toString()).asUser(Command.NOBODY, Command.NOBODY)
                    .env("HOME", "/").timeoutSeconds(120).run();
            assertEquals(0, r.exit(), r.err());
            JsonNode reply = RawVarlink.JSON.readTree(r.out());
            assertEquals("org.varlink.service.PermissionDenied", error(reply), "nobody is refused by a root service without --group");
        } finally {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx------"));
        }
        try (RawVarlink c = client()) {
            ok(c.call("org.varlink.service.GetInfo", "{}"));
        }
    }
}
