package org.cfsj.varlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Processes;
import org.cfsj.sys.Sockets;
import org.cfsj.sys.SysException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link VarlinkServer} on a real unix socket in a private temporary directory, called by
 * {@link VarlinkClient} and by a raw peer that writes bytes the client would never send.
 */
@Timeout(60)
class VarlinkServerTest {
    private static final ServiceInfo INFO = new ServiceInfo("cfsj", "cfsj-test", "0.0-test", "https://example.invalid/cfsj");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tmp;
    private Path socket;
    private TestInterface test;
    private VarlinkServer server;
    private long fdsBefore;

    @BeforeEach
    void start() throws IOException {
        Poller.shared(); // its epoll fd lives for the JVM: open it before counting
        fdsBefore = openFds();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
        socket = tmp.resolve("varlink.sock");
        test = new TestInterface();
        server = start(new VarlinkLimits(4096, 16, 8, 4));
    }

    private VarlinkServer start(VarlinkLimits limits) throws IOException {
        VarlinkServer s = new VarlinkServer(INFO, List.of(test), limits);
        s.listen(socket);
        return s;
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        assertFalse(Files.exists(socket), "the socket file is removed on close");
        assertEquals(fdsBefore, openFds(), "every fd the server and clients opened is closed again");
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static ObjectNode params(String json) throws IOException {
        return (ObjectNode) MAPPER.readTree(json);
    }

    @Test
    void socketIsPrivate() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void getInfoListsEveryInterface() throws Exception {
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            ObjectNode p = c.call("org.varlink.service.GetInfo", null).parameters();
            assertEquals("cfsj", p.get("vendor").asText());
            assertEquals("cfsj-test", p.get("product").asText());
            assertEquals("0.0-test", p.get("version").asText());
            assertEquals("https://example.invalid/cfsj", p.get("url").asText());
            assertEquals("[\"org.varlink.service\",\"org.cfsj.test\"]", p.get("interfaces").toString());
        }
    }

    @Test
    void everyInterfaceDescriptionParses() throws Exception {
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            for (JsonNode name : c.call("org.varlink.service.GetInfo", null).parameters().get("interfaces")) {
                String idl = c.call("org.varlink.service.GetInterfaceDescription",
                        JsonNodeFactory.instance.objectNode().put("interface", name.asText())).parameters().get("description").asText();
                assertEquals(name.asText(), IdlParser.parse(idl).name());
            }
            VarlinkError e = assertThrows(VarlinkError.class, () -> c.call("org.varlink.service.GetInterfaceDescription",
                    params("{\"interface\": \"org.example.none\"}")));
            assertEquals("org.varlink.service.InterfaceNotFound", e.error());
            assertEquals("org.example.none", e.parameters().get("interface").asText());
        }
    }

    @Test
    void unknownInterfaceMethodAndUnimplemented() throws Exception {
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            VarlinkError e = assertThrows(VarlinkError.class, () -> c.call("org.example.none.Method", null));
            assertEquals("org.varlink.service.InterfaceNotFound", e.error());
            assertEquals("org.example.none", e.parameters().get("interface").asText());
            e = assertThrows(VarlinkError.class, () -> c.call("org.cfsj.test.Nope", null));
            assertEquals("org.varlink.service.MethodNotFound", e.error());
            assertEquals("org.cfsj.test.Nope", e.parameters().get("method").asText());
            e = assertThrows(VarlinkError.class, () -> c.call("NoDot", null));
            assertEquals("org.varlink.service.InterfaceNotFound", e.error());
            e = assertThrows(VarlinkError.class, () -> c.call("org.cfsj.test.Unimplemented", null));
            assertEquals("org.varlink.service.MethodNotImplemented", e.error());
            assertEquals("hi", c.call("org.cfsj.test.Echo", params("{\"text\": \"hi\"}")).parameters().get("text").asText());
        }
    }

    @Test
    void parametersAreCheckedAgainstTheInterface() throws Exception {
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            for (String[] bad : new String[][] {
                {"{}", "text"}, {"{\"text\": 5}", "text"}, {"{\"text\": null}", "text"},
                {"{\"text\": \"a\", \"colour\": \"blue\"}", "colour"}, {"{\"text\": \"a\", \"colour\": 1}", "colour"}}) {
                VarlinkError e = assertThrows(VarlinkError.class, () -> c.call("org.cfsj.test.Echo", params(bad[0])), bad[0]);
                assertEquals("org.varlink.service.InvalidParameter", e.error());
                assertEquals(bad[1], e.parameters().get("parameter").asText(), bad[0]);
            }
            // optional fields may be null or absent; unknown fields are ignored
            assertEquals("a", c.call("org.cfsj.test.Echo", params("{\"text\": \"a\", \"colour\": null, \"extra\": [1]}"))
                    .parameters().get("text").asText());
            assertEquals("b", c.call("org.cfsj.test.Echo", params("{\"text\": \"b\", \"colour\": \"red\"}"))
                    .parameters().get("text").asText());
        }
    }

    @Test
    void moreStreamsContinuesReplies() throws Exception {
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            List<Integer> seen = new ArrayList<>();
            VarlinkClient.Reply last = c.callMore("org.cfsj.test.Count", params("{\"count\": 4}"),
                    r -> seen.add(r.parameters().get("index").asInt()));
            assertEquals(List.of(0, 1, 2), seen);
            assertEquals(3, last.parameters().get("index").asInt());
            assertFalse(last.continues());
            VarlinkError e = assertThrows(VarlinkError.class, () -> c.call("org.cfsj.test.Count", params("{\"count\": 2}")));
            assertEquals("org.varlink.service.ExpectedMore", e.error());
        }
    }

    @Test
    void onewayCallsGetNoReply() throws Exception {
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            c.callOneway("org.cfsj.test.Note", params("{\"note\": \"first\"}"));
            c.callOneway("org.cfsj.test.Nope", null); // an error is not sent either
            c.callOneway("org.cfsj.test.Note", params("{\"note\": \"second\"}"));
            // the next reply on the connection is the Echo's: nothing came for the oneway calls
            assertEquals("after", c.call("org.cfsj.test.Echo", params("{\"text\": \"after\"}")).parameters().get("text").asText());
            assertEquals(List.of("first", "second"), test.notes);
        }
    }

    @Test
    void perConnectionStateEndsWithTheConnection() throws Exception {
        long first;
        try (VarlinkClient a = VarlinkClient.connect(socket); VarlinkClient b = VarlinkClient.connect(socket)) {
            ObjectNode held = a.call("org.cfsj.test.Hold", params("{\"token\": \"a\"}")).parameters();
            first = held.get("connection").asLong();
            assertEquals(ProcessHandle.current().pid(), held.get("pid").asLong(), "SO_PEERCRED names this process");
            assertEquals(Processes.geteuid(), held.get("uid").asInt());
            long second = b.call("org.cfsj.test.Hold", params("{\"token\": \"b\"}")).parameters().get("connection").asLong();
            assertNotEquals(first, second);
            assertEquals(first, a.call("org.cfsj.test.Hold", params("{\"token\": \"a2\"}")).parameters().get("connection").asLong());
            assertEquals(List.of("a", "b", "a2"), test.held);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!test.held.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), test.held);
    }

    @Test
    void unexpectedFailureBecomesTheInterfacesInternalError() throws Exception {
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            VarlinkError e = assertThrows(VarlinkError.class, () -> c.call("org.cfsj.test.Fail", null));
            assertEquals("org.cfsj.test.InternalError", e.error());
            assertEquals("boom", e.parameters().get("message").asText());
            assertEquals("ok", c.call("org.cfsj.test.Echo", params("{\"text\": \"ok\"}")).parameters().get("text").asText());
        }
    }

    @Test
    void fdsTravelOnTheReplyThatNamesThem() throws Exception {
        Path file = Files.writeString(tmp.resolve("data"), "content of the file");
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            VarlinkClient.Reply r = c.call("org.cfsj.test.OpenFile", JsonNodeFactory.instance.objectNode().put("path", file.toString()));
            assertEquals(0, r.parameters().get("fd_index").asInt());
            assertEquals(1, r.fds().length);
            int fd = r.fds()[r.parameters().get("fd_index").asInt()];
            try {
                assertEquals("content of the file", Files.readString(Path.of("/proc/self/fd/" + fd)));
            } finally {
                FileCalls.close(fd);
            }
        }
    }

    @Test
    void fdsTravelWithTheCall() throws Exception {
        Path file = Files.writeString(tmp.resolve("sent"), "sent by the client");
        int fd = FileCalls.open(file.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            assertEquals("sent by the client", c.call("org.cfsj.test.ReadFd", null, fd).parameters().get("content").asText());
            VarlinkError e = assertThrows(VarlinkError.class, () -> c.call("org.cfsj.test.ReadFd", null));
            assertEquals("fds", e.parameters().get("parameter").asText());
        } finally {
            FileCalls.close(fd);
        }
    }

    /** A peer writing raw bytes: what a broken or hostile client sends. */
    private RawPeer raw() throws IOException {
        return new RawPeer(new MessageSocket(Sockets.connect(socket.toString()), new VarlinkLimits(1 << 20, 64, 8, 4),
                Poller.shared()));
    }

    private record RawPeer(MessageSocket socket) implements AutoCloseable {
        void send(String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            socket.write(b, new int[0]);
        }

        JsonNode reply() throws IOException {
            MessageSocket.Message m = socket.read();
            return m == null ? null : MAPPER.readTree(m.json());
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static void assertInvalid(JsonNode reply, String parameter) {
        assertEquals("org.varlink.service.InvalidParameter", reply.get("error").asText(), reply.toString());
        assertEquals(parameter, reply.get("parameters").get("parameter").asText(), reply.toString());
    }

    @Test
    void malformedJsonGetsAnErrorAndTheConnectionEnds() throws Exception {
        try (RawPeer p = raw()) {
            p.send("{\"method\": \"org.cfsj.test.Echo\", ");
            assertInvalid(p.reply(), "message");
            assertNull(p.reply(), "the server closed the connection");
        }
        try (RawPeer p = raw()) {
            p.send("[".repeat(40) + "]".repeat(40)); // deeper than the limit of 16
            assertInvalid(p.reply(), "message");
            assertNull(p.reply());
        }
        try (RawPeer p = raw()) {
            p.send("{\"method\": \"a.b.C\", \"method\": \"a.b.D\"}"); // duplicate keys
            assertInvalid(p.reply(), "message");
            assertNull(p.reply());
        }
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            assertEquals("still", c.call("org.cfsj.test.Echo", params("{\"text\": \"still\"}")).parameters().get("text").asText());
        }
    }

    @Test
    void wrongCallFieldsGetAnErrorAndTheConnectionStays() throws Exception {
        try (RawPeer p = raw()) {
            p.send("{\"method\": 5}");
            assertInvalid(p.reply(), "method");
            p.send("{\"method\": \"org.cfsj.test.Echo\", \"parameters\": [1]}");
            assertInvalid(p.reply(), "parameters");
            p.send("{\"method\": \"org.cfsj.test.Echo\", \"parameters\": {\"text\": \"x\"}, \"more\": \"yes\"}");
            assertInvalid(p.reply(), "more");
            p.send("{\"method\": \"org.cfsj.test.Echo\", \"parameters\": {\"text\": \"x\"}, \"upgrade\": true}");
            assertInvalid(p.reply(), "upgrade");
            p.send("17");
            assertInvalid(p.reply(), "message");
            p.send("{\"method\": \"org.cfsj.test.Echo\", \"parameters\": {\"text\": \"x\"}}");
            JsonNode r = p.reply();
            assertEquals("{\"parameters\":{\"text\":\"x\"}}", r.toString());
        }
    }

    @Test
    void oversizeMessageIsRefused() throws Exception {
        try (RawPeer p = raw()) {
            p.send("{\"method\": \"org.cfsj.test.Echo\", \"parameters\": {\"text\": \"" + "x".repeat(10_000) + "\"}}");
            assertInvalid(p.reply(), "message");
            assertNull(p.reply());
        }
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            String text = "y".repeat(3000); // under the 4096-byte limit
            assertEquals(text, c.call("org.cfsj.test.Echo", JsonNodeFactory.instance.objectNode().put("text", text))
                    .parameters().get("text").asText());
        }
    }

    @Test
    void unterminatedStreamIsCutAtTheLimit() throws Exception {
        try (RawPeer p = raw(); Arena arena = Arena.ofConfined()) {
            MemorySegment junk = arena.allocate(3000);
            junk.fill((byte) 'x');
            long sent = 0;
            // no NUL ever comes: the server must stop buffering once the limit is passed
            try {
                while (sent < 20_000) {
                    long n = Sockets.send(p.socket().fd(), junk, new int[0]);
                    if (n < 0) {
                        break; // the server stopped reading: it gave up on this connection
                    }
                    sent += n;
                }
            } catch (SysException e) {
                assertEquals(Errno.EPIPE, e.errno(), e.getMessage()); // the server closed before all was sent
            }
            assertInvalid(p.reply(), "message");
            // bytes the server never read make the kernel report a reset instead of a clean end
            try {
                assertNull(p.reply());
            } catch (SysException e) {
                assertEquals(Errno.ECONNRESET, e.errno(), e.getMessage());
            }
        }
    }

    @Test
    @Timeout(20)
    void fdsOfAnUnfinishedMessageAreBoundedPerConnection() throws Exception {
        // the limit here is 4 fds a message: 3 + 3 on bytes with no NUL must end the connection at once
        int devNull = FileCalls.open("/dev/null", FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        try (RawPeer p = raw(); Arena arena = Arena.ofConfined()) {
            MemorySegment space = arena.allocate(1);
            space.fill((byte) ' ');
            long before = openFds();
            try {
                for (int i = 0; i < 2; i++) {
                    Sockets.send(p.socket().fd(), space, new int[] {devNull, devNull, devNull});
                }
            } catch (SysException e) {
                assertEquals(Errno.EPIPE, e.errno(), e.getMessage());
            }
            assertInvalid(p.reply(), "message");
            // the server closes them right after its reply, on its own thread: give it a moment
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (openFds() > before && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(openFds() <= before, "the server closed the fds it had buffered (and its end of the connection)");
        } finally {
            FileCalls.close(devNull);
        }
    }

    @Test
    @Timeout(20)
    void anUnfinishedMessageTimesOut() throws Exception {
        server.close();
        server = start(new VarlinkLimits(4096, 16, 8, 4).withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(30)));
        try (RawPeer p = raw(); Arena arena = Arena.ofConfined()) {
            MemorySegment half = arena.allocateFrom("{\"method\": \"org.cfsj.te"); // sent without its NUL: never finished
            Sockets.send(p.socket().fd(), half.asSlice(0, half.byteSize() - 1), new int[0]);
            long start = System.nanoTime();
            assertInvalid(p.reply(), "message");
            assertTrue(System.nanoTime() - start < 10_000_000_000L);
        }
    }

    @Test
    @Timeout(20)
    void aClientThatStopsReadingIsCutOffAndItsCallEnds() throws Exception {
        server.close();
        server = start(new VarlinkLimits(4096, 16, 8, 4).withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(300)));
        try (RawPeer p = raw()) {
            // far more replies than the socket buffers hold, and the client never reads one
            p.send("{\"method\": \"org.cfsj.test.Count\", \"parameters\": {\"count\": 100000000}, \"more\": true}");
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, server.connectionCount(), "the stalled connection was ended");
        }
    }

    @Test
    @Timeout(20)
    void aRefusedPeerIsAnsweredAtOnceWithoutSendingAnything() throws Exception {
        server.close();
        server = new VarlinkServer(INFO, List.of(test), new VarlinkLimits(4096, 16, 8, 4), peer -> false);
        server.listen(socket);
        try (RawPeer p = raw()) {
            JsonNode reply = p.reply(); // nothing sent: the refusal comes anyway, so the slot is not held
            assertEquals("org.varlink.service.PermissionDenied", reply.get("error").asText(), reply.toString());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, server.connectionCount(), "the refused connection is closed");
        }
    }

    /** Admits everyone; privileged as told. */
    private record Shares(boolean privilegedPeers) implements Admission {
        @Override
        public boolean admits(Sockets.PeerCredentials peer) {
            return true;
        }

        @Override
        public boolean privileged(Sockets.PeerCredentials peer) {
            return privilegedPeers;
        }
    }

    private int servedConnections(Path where, int tries) throws Exception {
        List<VarlinkClient> clients = new ArrayList<>();
        try {
            int served = 0;
            for (int i = 0; i < tries; i++) {
                VarlinkClient c = VarlinkClient.connect(where);
                clients.add(c);
                try {
                    c.call("org.cfsj.test.Echo", params("{\"text\": \"n\"}"));
                    served++;
                } catch (IOException e) {
                    // closed at accept: beyond this peer's share
                }
            }
            return served;
        } finally {
            clients.forEach(VarlinkClient::close);
        }
    }

    @Test
    void oneUidGetsItsShareAndPrivilegedPeersTheReserve() throws Exception {
        VarlinkLimits limits = new VarlinkLimits(4096, 16, 8, 4).withConnectionShares(3, 2);
        Path other = tmp.resolve("shares.sock");
        try (VarlinkServer ordinary = new VarlinkServer(INFO, List.of(test), limits, new Shares(false))) {
            ordinary.listen(other);
            assertEquals(3, servedConnections(other, 6), "an ordinary uid holds at most its share");
        }
        try (VarlinkServer privileged = new VarlinkServer(INFO, List.of(test), limits, new Shares(true))) {
            privileged.listen(other);
            assertEquals(10, servedConnections(other, 12), "a privileged peer has no per-uid cap and the reserve too");
        }
        assertTrue(Admission.ALL.privileged(new Sockets.PeerCredentials(1, 0, 0)), "root is privileged by default");
        assertFalse(Admission.ALL.privileged(new Sockets.PeerCredentials(1, 65534, 65534)));
    }

    @Test
    void aSocketDirectoryOthersCouldChangeIsRefused() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path foreign = Files.createDirectory(tmp.resolve("foreign"));
        Files.setOwner(foreign, foreign.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("65534"));
        for (Path dir : List.of(open, foreign)) {
            try (VarlinkServer s = new VarlinkServer(INFO, List.of(test), VarlinkLimits.DEFAULT)) {
                IOException e = assertThrows(IOException.class, () -> s.listen(dir.resolve("x.sock")));
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                assertFalse(Files.exists(dir.resolve("x.sock")));
            }
        }
    }

    @Test
    void closeRemovesOnlyTheSocketItBound() throws Exception {
        Path other = tmp.resolve("mine.sock");
        VarlinkServer s = new VarlinkServer(INFO, List.of(test), VarlinkLimits.DEFAULT);
        s.listen(other);
        Files.delete(other);
        Files.writeString(other, "someone else's file now");
        s.close();
        assertEquals("someone else's file now", Files.readString(other), "a path that is no longer our socket is left alone");
        Files.delete(other);
    }

    @Test
    void idleConnectionsDoNotStarveOthers() throws Exception {
        // more idle connections than carrier threads: their server threads must be parked, not pinned in native reads
        List<VarlinkClient> idle = new ArrayList<>();
        try (VarlinkServer big = new VarlinkServer(INFO, List.of(test), new VarlinkLimits(4096, 16, 64, 4))) {
            Path other = tmp.resolve("big.sock");
            big.listen(other);
            try {
                for (int i = 0; i < 3 * Runtime.getRuntime().availableProcessors() + 8; i++) {
                    VarlinkClient c = VarlinkClient.connect(other);
                    idle.add(c);
                    c.call("org.cfsj.test.Echo", params("{\"text\": \"n\"}"));
                }
                try (VarlinkClient c = VarlinkClient.connect(other)) {
                    assertEquals("served", c.call("org.cfsj.test.Echo", params("{\"text\": \"served\"}"))
                            .parameters().get("text").asText());
                }
            } finally {
                idle.forEach(VarlinkClient::close);
            }
        }
    }

    @Test
    void pipelinedCallsAreAnsweredInOrder() throws Exception {
        try (RawPeer p = raw()) {
            p.send("{\"method\": \"org.cfsj.test.Echo\", \"parameters\": {\"text\": \"1\"}}\0"
                    + "{\"method\": \"org.cfsj.test.Echo\", \"parameters\": {\"text\": \"2\"}}");
            assertEquals("1", p.reply().get("parameters").get("text").asText());
            assertEquals("2", p.reply().get("parameters").get("text").asText());
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosed() throws Exception {
        List<VarlinkClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                VarlinkClient c = VarlinkClient.connect(socket);
                clients.add(c);
                c.call("org.cfsj.test.Echo", params("{\"text\": \"n\"}"));
            }
            try (VarlinkClient extra = VarlinkClient.connect(socket)) {
                assertThrows(IOException.class, () -> extra.call("org.cfsj.test.Echo", params("{\"text\": \"n\"}")));
            }
        } finally {
            clients.forEach(VarlinkClient::close);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            assertEquals("again", c.call("org.cfsj.test.Echo", params("{\"text\": \"again\"}")).parameters().get("text").asText());
        }
    }

    @Test
    void closeEndsOpenConnections() throws Exception {
        VarlinkClient c = VarlinkClient.connect(socket);
        try {
            c.call("org.cfsj.test.Echo", params("{\"text\": \"n\"}"));
            server.close();
            assertEquals(0, server.connectionCount());
            assertThrows(IOException.class, () -> c.call("org.cfsj.test.Echo", params("{\"text\": \"n\"}")));
        } finally {
            c.close();
        }
    }

    @Test
    void servesAnInheritedListenerAndAnInheritedConnection() throws Exception {
        Path other = tmp.resolve("activated.sock");
        int listener = Sockets.listen(other.toString(), 4);
        try (VarlinkServer activated = new VarlinkServer(INFO, List.of(test), VarlinkLimits.DEFAULT)) {
            activated.serve(new SocketActivation(List.of(listener), List.of("varlink")));
            try (VarlinkClient c = VarlinkClient.connect(other)) {
                assertEquals("cfsj", c.call("org.varlink.service.GetInfo", null).parameters().get("vendor").asText());
            }
        }
        Files.delete(other); // an inherited socket's file belongs to whoever bound it
        int[] pair = Sockets.socketpair(Sockets.AF_UNIX, Sockets.SOCK_STREAM | Sockets.SOCK_CLOEXEC);
        try (VarlinkServer activated = new VarlinkServer(INFO, List.of(test), VarlinkLimits.DEFAULT);
                VarlinkClient c = VarlinkClient.over(pair[1], VarlinkLimits.DEFAULT)) {
            activated.serve(new SocketActivation(List.of(pair[0]), List.of("connection")));
            assertEquals("x", c.call("org.cfsj.test.Echo", params("{\"text\": \"x\"}")).parameters().get("text").asText());
        }
    }
}
