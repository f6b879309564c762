package org.cfsj.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository is its owner's alone (issue 11, item 2): root pulls an image whose files are
 * 0644 inside it and stored as objects, and the real unprivileged user {@code nobody}
 * ({@code setpriv --reuid=65534 --regid=65534 --clear-groups}) can neither list nor read nor
 * lock anything under the repository. cfsj runs as users run it: the packaged jar in its own
 * JVM, with umask 022 (the usual one, which gave 0755 directories).
 */
class RepositoryPermissionsTest {
    private static final int NOBODY = Command.NOBODY;

    @TempDir
    Path tmp;

    private Path layout;

    @BeforeEach
    void requirements() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (to be the other user's root)");
        for (String tool : List.of("setpriv", "tar", "flock")) {
            Assumptions.assumeTrue(Command.onPath(tool), tool + " is not installed");
        }
        layout = writeLayout(tmp.resolve("layout"));
        // nobody must be able to reach the temp dir, so that only the repository's own mode stops it
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void nobodyCannotListReadOrLockAnythingInRootsRepository() throws Exception {
        Path repo = tmp.resolve("repo");
        Result pull = cfsjAsRoot("--repo", repo.toString(), "oci", "pull", "-q", "oci:" + layout + ":app", "app");
        assertEquals(0, pull.exit(), pull.describe());

        List<Path> everything = walk(repo);
        assertTrue(everything.stream().anyMatch(p -> p.startsWith(repo.resolve("objects")) && isRegular(p)
                && mode(p).equals("rw-r--r--") && size(p) == PUBLIC_SIZE),
                "the image's 0644 file is stored as a 0644 object (what nobody must not read): " + everything);
        List<String> leaks = probeAsNobody(everything);
        assertEquals(List.of(), leaks, "what nobody could list, read or lock");
        assertEquals("rwx------", mode(repo), "the repository's top directory");
        assertEquals("rw-------", mode(repo.resolve("lock")), "the lock file");

        // cfsj itself, run by nobody on root's repository: refused with one clear line
        Result foreign = Cfsj.command("--repo", repo.toString(), "oci", "images").asUser(NOBODY, NOBODY)
                .wrappedIn(List.of("sh", "-c", "cd / && exec \"$@\"", "sh")).timeoutSeconds(300).run();
        assertEquals(1, foreign.exit(), foreign.describe());
        assertEquals(1, foreign.err().strip().lines().count(), foreign.describe());
    }

    @Test
    void fsckReportsA0755RepositoryAndRepairMakesItPrivateAgain() throws Exception {
        Path repo = tmp.resolve("repo");
        Result pull = cfsjAsRoot("--repo", repo.toString(), "oci", "pull", "-q", "oci:" + layout + ":app", "app");
        assertEquals(0, pull.exit(), pull.describe());
        Files.setPosixFilePermissions(repo, PosixFilePermissions.fromString("rwxr-xr-x")); // as an older cfsj left it

        List<Path> everything = walk(repo);
        // with 0755, nobody reads the objects: the probe sees a real leak when there is one
        assertFalse(probeAsNobody(everything).isEmpty(), "nobody can read a 0755 repository");

        Result fsck = cfsjAsRoot("--repo", repo.toString(), "fsck");
        assertEquals(1, fsck.exit(), fsck.describe());
        assertTrue(fsck.out().contains(repo + " has mode 0755"), fsck.describe());
        assertEquals("rwxr-xr-x", mode(repo), "fsck without --repair changes nothing");
        Result init = cfsjAsRoot("--repo", repo.toString(), "init");
        assertEquals(0, init.exit(), init.describe());
        assertTrue(init.err().contains("has mode 0755"), "init reports it too: " + init.describe());
        Result images = cfsjAsRoot("--repo", repo.toString(), "oci", "images");
        assertEquals(0, images.exit(), "an old 0755 repository keeps working: " + images.describe());
        assertTrue(images.err().contains("warning: " + repo + " has mode 0755"), images.describe());

        Result repair = cfsjAsRoot("--repo", repo.toString(), "fsck", "--repair");
        assertEquals(0, repair.exit(), repair.describe());
        assertTrue(repair.out().contains("from 0755 to 0700"), repair.describe());
        assertEquals("rwx------", mode(repo));
        assertEquals(List.of(), probeAsNobody(everything), "after --repair");
        Result again = cfsjAsRoot("--repo", repo.toString(), "fsck");
        assertEquals(0, again.exit(), again.describe());
    }

    @Test
    void aUsersRepositoryIsThatUsersAlone() throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Files.setOwner(home, home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Path repo = home.resolve("cfsj");
        Result init = Cfsj.command("--repo", repo.toString(), "init").asUser(NOBODY, NOBODY)
                .wrappedIn(List.of("sh", "-c", "umask 022 && cd / && exec \"$@\"", "sh")).timeoutSeconds(300).run();
        assertEquals(0, init.exit(), init.describe());
        assertEquals("rwx------", mode(repo));
        assertEquals(NOBODY, Files.getAttribute(repo, "unix:uid"));
        // root is refused too: a repository belongs to one user
        Result asRoot = cfsjAsRoot("--repo", repo.toString(), "gc");
        assertEquals(1, asRoot.exit(), asRoot.describe());
        assertTrue(asRoot.err().contains("belongs to uid 65534, not to you (uid 0)"), asRoot.describe());
    }

    // ---- probes ----

    /**
     * As nobody, in one shell: list every directory, read every file, read every symlink's
     * target through it, and take the repository lock. Returns what succeeded.
     */
    private static List<String> probeAsNobody(List<Path> paths) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", """
                for p in "$@"; do
                    if [ -d "$p" ] && [ ! -L "$p" ]; then ls -a "$p" >/dev/null 2>&1 && echo "listed $p"
                    else cat "$p" >/dev/null 2>&1 && echo "read $p"
                    fi
                    case "$p" in */lock) flock -n -s "$p" true 2>/dev/null && echo "locked $p";; esac
                done
                ls -l "$1" >/dev/null 2>&1 && echo "stat'ed the entries of $1"
                true
                """, "probe"));
        for (Path p : paths) {
            cmd.add(p.toString());
        }
        Result r = Command.of(cmd).asUser(NOBODY, NOBODY).timeoutSeconds(300).run();
        assertEquals(0, r.exit(), r.describe());
        return r.out().lines().toList();
    }

    private static List<Path> walk(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo)) {
            return s.toList();
        }
    }

    private static boolean isRegular(Path p) {
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- the image: one layer made by GNU tar from real files, in an OCI layout ----

    private static final int PUBLIC_SIZE = 20_000;

    private static Path writeLayout(Path layout) throws Exception {
        Path root = Files.createDirectories(layout.resolveSibling("rootfs"));
        Files.createDirectories(root.resolve("data"));
        Files.createDirectories(root.resolve("etc"));
        byte[] pub = new byte[PUBLIC_SIZE];
        new Random(11).nextBytes(pub);
        Files.write(root.resolve("data/public"), pub);
        Files.setPosixFilePermissions(root.resolve("data/public"), PosixFilePermissions.fromString("rw-r--r--"));
        byte[] secret = new byte[9_000];
        new Random(12).nextBytes(secret);
        Files.write(root.resolve("etc/secret"), secret);
        Files.setPosixFilePermissions(root.resolve("etc/secret"), PosixFilePermissions.fromString("rw-------"));
        Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
        Path tar = layout.resolveSibling("layer.tar");
        Result t = Command.of(List.of("tar", "--format=pax", "--numeric-owner", "--sort=name", "--mtime=@1700000000",
                "-C", root.toString(), "-cf", tar.toString(), ".")).timeoutSeconds(300).run();
        assertEquals(0, t.exit(), t.describe());
        byte[] layer = Files.readAllBytes(tar);
        String layerDigest = blob(blobs, layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + layerDigest + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(blobs, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = blob(blobs, manifest);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":"
                + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"app\"}}]}");
        return layout;
    }

    private static String blob(Path blobs, byte[] content) throws Exception {
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        Files.write(blobs.resolve(hex), content);
        return "sha256:" + hex;
    }

    // ---- running things ----

    /** The packaged cfsj as root, with the usual umask 022. */
    static Result cfsjAsRoot(String... args) throws IOException, InterruptedException {
        return Cfsj.command(args).wrappedIn(List.of("sh", "-c", "umask 022 && exec \"$@\"", "sh")).timeoutSeconds(300).run();
    }
}
