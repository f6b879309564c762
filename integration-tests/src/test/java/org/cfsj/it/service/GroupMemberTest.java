package org.cfsj.it.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member of the {@code --group} of a root service, as the real unprivileged user nobody: it
 * reaches the service's own repository and nothing else, even by re-pointing its own symlink
 * after the service checked it; it cannot make root pull with TLS checks off, remove names or
 * content (untag, gc), or get a mount at all (a detached mount is its holder's to change).
 */
class GroupMemberTest {
    /**
     * The member's client: each argument is one step, {@code ln TARGET LINK} (re-point a symlink)
     * or {@code METHOD JSON} (a call; {@code $H} in JSON is the last handle replied); one reply
     * per call printed as one line.
     */
    private static final String CLIENT = """
            import java.io.ByteArrayOutputStream;
            import java.net.UnixDomainSocketAddress;
            import java.nio.ByteBuffer;
            import java.nio.channels.SocketChannel;
            import java.nio.charset.StandardCharsets;
            import java.nio.file.*;

            public class Client {
                public static void main(String[] args) throws Exception {
                    String handle = "0";
                    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(args[0]))) {
                        for (int i = 1; i < args.length; i++) {
                            String[] step = args[i].split(" ", 3);
                            if (step[0].equals("ln")) {
                                Path link = Path.of(step[2]);
                                Files.deleteIfExists(link);
                                Files.createSymbolicLink(link, Path.of(step[1]));
                                continue;
                            }
                            String params = args[i].substring(step[0].length() + 1).replace("$H", handle);
                            ch.write(ByteBuffer.wrap(("{\\"method\\":\\"" + step[0] + "\\",\\"parameters\\":" + params + "}\\0")
                                    .getBytes(StandardCharsets.UTF_8)));
                            ByteArrayOutputStream got = new ByteArrayOutputStream();
                            ByteBuffer b = ByteBuffer.allocate(1);
                            while (ch.read(b.clear()) > 0 && b.get(0) != 0) {
                                got.write(b.get(0));
                            }
                            String reply = got.toString(StandardCharsets.UTF_8);
                            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\"handle\\":(\\\\d+)").matcher(reply);
                            if (m.find()) {
                                handle = m.group(1);
                            }
                            System.out.println(reply);
                        }
                    }
                }
            }
            """;

    @TempDir
    Path work;

    @Test
    void aMemberReachesOnlyTheServicesRepositoryWhateverItsSymlinksSay() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: runs a root service and a client as nobody: run as root");
        Assumptions.assumeTrue(Command.onPath("setpriv"), "SKIPPED: setpriv (util-linux) is not installed");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        Path own = work.resolve("own");
        Path victim = work.resolve("private/victim");
        for (Path r : List.of(own, victim)) {
            Result init = Cfsj.run("--repo", r.toString(), "init");
            assertEquals(0, init.exit(), init.describe());
        }
        Files.setPosixFilePermissions(work.resolve("private"), PosixFilePermissions.fromString("rwx------"));
        // a file object only root can see, which gc would remove as unreferenced
        Path planted = victim.resolve("objects/ab/" + "c".repeat(62));
        Files.createDirectories(planted.getParent());
        Files.writeString(planted, "root's own");

        Path clientDir = Files.createDirectory(work.resolve("client"));
        Files.writeString(clientDir.resolve("Client.java"), CLIENT);
        Files.setPosixFilePermissions(clientDir.resolve("Client.java"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(clientDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path link = clientDir.resolve("link");

        Path socket = work.resolve("run/cfsj.sock");
        Path log = work.resolve("serve.log");
        try (Serve service = Serve.start(own, socket, log, "--group", Integer.toString(Command.NOBODY))) {
            Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> steps = new ArrayList<>(List.of(
                    "ln " + own + " " + link,
                    "org.composefs.Repository.OpenRepository {\"path\":\"" + link + "\"}",
                    "ln " + victim + " " + link,
                    "org.composefs.Repository.Fsck {\"handle\":$H}",
                    "org.composefs.Repository.Gc {\"handle\":$H,\"dry_run\":false,\"roots\":[]}",
                    "org.composefs.Repository.OpenRepository {\"path\":\"" + link + "\"}",
                    "org.composefs.Oci.Pull {\"handle\":1,\"image\":\"docker://127.0.0.1:1/x:1\",\"local_fetch\":\"\","
                            + "\"bootable\":false,\"tls_verify\":false}",
                    "org.composefs.Oci.Untag {\"handle\":1,\"name\":\"x\"}",
                    "org.composefs.Oci.OciMount {\"handle\":1,\"image\":\"x\",\"bootable\":false,\"options\":{}}"));
            List<String> argv = new ArrayList<>(List.of(Cfsj.java(), clientDir.resolve("Client.java").toString(), socket.toString()));
            argv.addAll(steps);
            Result r = Command.of(argv).asUser(Command.NOBODY, Command.NOBODY).env("HOME", "/").timeoutSeconds(120).run();
            assertEquals(0, r.exit(), r.describe());
            List<JsonNode> replies = new ArrayList<>();
            for (String line : r.out().strip().split("\n")) {
                replies.add(RawVarlink.JSON.readTree(line));
            }
            assertEquals(7, replies.size(), r.out());
            assertTrue(replies.get(0).path("parameters").has("handle"), "the member's link to the service's repository: " + replies.get(0));
            JsonNode fsck = replies.get(1).path("parameters");
            assertEquals(0, fsck.path("objects_checked").asInt(), "fsck ran on the service's empty repository, not the victim: " + fsck);
            assertEquals("org.varlink.service.PermissionDenied", replies.get(2).path("error").asText(),
                    "a member may not collect garbage: " + replies.get(2));
            assertTrue(Files.exists(planted), "the victim repository's object is still there");
            assertEquals("org.varlink.service.PermissionDenied", replies.get(3).path("error").asText(),
                    "the link now names another repository: " + replies.get(3));
            assertEquals("org.varlink.service.PermissionDenied", replies.get(4).path("error").asText(),
                    "a member may not make root pull without TLS checks: " + replies.get(4));
            assertEquals("org.varlink.service.PermissionDenied", replies.get(5).path("error").asText(),
                    "a member may not remove names: " + replies.get(5));
            assertEquals("org.varlink.service.PermissionDenied", replies.get(6).path("error").asText(),
                    "a member gets no mount (refused before the image is looked up): " + replies.get(6));
        }
    }
}
