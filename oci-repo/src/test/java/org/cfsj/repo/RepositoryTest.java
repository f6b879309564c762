package org.cfsj.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.cfsj.objects.ObjectVerificationException;
import org.cfsj.verity.VerityAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class RepositoryTest {
    @TempDir
    Path tmp;

    @Test
    void initCreatesLayoutAndRecordsNoKernelVerity() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        for (String d : List.of("objects", "streams/refs", "images/refs", "tmp")) {
            assertTrue(Files.isDirectory(repo.root().resolve(d)), d);
        }
        String meta = Files.readString(repo.root().resolve("meta.json"));
        assertTrue(meta.contains("\"version\" : 1"), meta);
        assertTrue(meta.contains("fsverity-sha256-12"), meta);
        // This kernel has no fs-verity (CONFIG_FS_VERITY unset): the probe must say so.
        assertFalse(repo.kernelVerity());
        assertFalse(Repository.open(repo.root()).kernelVerity());
        // init on an existing repository opens it.
        assertEquals(repo.root(), Repository.init(repo.root()).root());
    }

    @Test
    void openRefusesMissingForeignAndNewerRepositories() throws IOException {
        var e1 = assertThrows(RepositoryException.class, () -> Repository.open(tmp.resolve("nope")));
        assertTrue(e1.getMessage().contains("no repository here"), e1.getMessage());
        Files.createDirectories(tmp.resolve("plain"));
        var e2 = assertThrows(RepositoryException.class, () -> Repository.open(tmp.resolve("plain")));
        assertTrue(e2.getMessage().contains("not a cfsj repository"), e2.getMessage());
        Repository repo = Repository.init(tmp.resolve("r"));
        Files.writeString(repo.root().resolve("meta.json"), "{\"version\": 7, \"algorithm\": \"fsverity-sha256-12\"}");
        var e3 = assertThrows(RepositoryException.class, () -> Repository.open(repo.root()));
        assertTrue(e3.getMessage().contains("newer"), e3.getMessage());
        Files.writeString(repo.root().resolve("meta.json"), "{\"version\": 1, \"algorithm\": \"fsverity-sha384-12\"}");
        var e4 = assertThrows(RepositoryException.class, () -> Repository.open(repo.root()));
        assertTrue(e4.getMessage().endsWith("meta.json: unsupported fs-verity algorithm 'fsverity-sha384-12' (cfsj supports "
                + "fsverity-sha256-12 and fsverity-sha512-12)"), e4.getMessage());
        Files.writeString(repo.root().resolve("meta.json"),
                "{\"version\": 1, \"algorithm\": \"fsverity-sha512-12\", \"features\": {\"incompatible\": [\"x\"]}}");
        var e5 = assertThrows(RepositoryException.class, () -> Repository.open(repo.root()));
        assertTrue(e5.getMessage().contains("features cfsj does not know"), e5.getMessage());
    }

    @Test
    void sha512RepositoryNamesObjectsBySha512AndRecordsItAsComposefsRsDoes() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"), VerityAlgorithm.SHA512_12);
        String meta = Files.readString(repo.root().resolve("meta.json"));
        assertTrue(meta.contains("\"algorithm\" : \"fsverity-sha512-12\""), meta);
        assertTrue(meta.contains("\"features\""), meta);
        byte[] hello = "hello world".getBytes(StandardCharsets.US_ASCII);
        ObjectId id = repo.objects().store(hello);
        assertEquals("18430270729d162d4e469daca123ae61893db4b0583d8f7081e3bf4f92b88ba5"
                + "14e7982f10733fb6aa895195c5ae8fd2eb2c47a8be05513ce5a0c51a6f570409", id.hex(),
                "fsverity digest --hash-alg=sha512 of 'hello world'");
        assertTrue(Files.isRegularFile(repo.root().resolve("objects/18/" + id.hex().substring(2))));
        assertArrayEquals(hello, repo.objects().read(id));
        assertEquals(List.of(id), repo.objects().list());
        repo.close();
        try (Repository again = Repository.open(repo.root())) {
            assertEquals(VerityAlgorithm.SHA512_12, again.meta().algorithm());
            assertEquals(VerityAlgorithm.SHA512_12, again.objects().algorithm());
            assertArrayEquals(hello, again.objects().read(id));
            ObjectId sha256 = ObjectId.of(VerityAlgorithm.SHA256_12.digest(hello));
            var e = assertThrows(RepositoryException.class, () -> again.objects().open(sha256));
            assertTrue(e.getMessage().contains("this repository names objects by fsverity-sha512-12"), e.getMessage());
        }
        var e = assertThrows(RepositoryException.class, () -> Repository.init(repo.root(), VerityAlgorithm.SHA256_12));
        assertTrue(e.getMessage().contains("already a repository of fsverity-sha512-12"), e.getMessage());
        try (Repository byDefault = Repository.init(repo.root())) {
            assertEquals(VerityAlgorithm.SHA512_12, byDefault.meta().algorithm(), "init without --algorithm opens it");
        }
    }

    /**
     * A repository laid out as composefs-rs 0.9 lays out a sha512 one (crates/composefs/src/repository.rs:
     * meta.json with version, algorithm "fsverity-sha512-12", features in kebab-case and erofs_formats;
     * objects/XX/&lt;126 hex&gt;; images/&lt;128 hex&gt; and streams/&lt;name&gt; as relative symlinks into
     * objects/, refs below images/refs and streams/refs), written here by hand: cfsj opens it, reads its
     * objects by their sha512 names, finds its image and stream links and refs.
     */
    @Test
    void opensARepositoryLaidOutAsComposefsRsLaysOutASha512One() throws IOException {
        Path root = tmp.resolve("rs");
        for (String d : List.of("objects", "images/refs", "streams/refs/oci")) {
            Files.createDirectories(root.resolve(d));
        }
        java.nio.file.Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.writeString(root.resolve("meta.json"), """
                {
                  "version": 1,
                  "algorithm": "fsverity-sha512-12",
                  "features": {
                    "compatible": [],
                    "read-only-compatible": [],
                    "incompatible": []
                  },
                  "erofs_formats": {
                    "default": 1
                  }
                }
                """);
        byte[] content = "an object of a composefs-rs repository\n".repeat(200).getBytes(StandardCharsets.US_ASCII);
        String hex = VerityAlgorithm.hex(VerityAlgorithm.SHA512_12.digest(content));
        Path object = root.resolve("objects/" + hex.substring(0, 2) + "/" + hex.substring(2));
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        Files.createSymbolicLink(root.resolve("images/" + hex), Path.of("../objects/" + hex.substring(0, 2) + "/" + hex.substring(2)));
        Files.createSymbolicLink(root.resolve("images/refs/myimage"), Path.of("../" + hex));
        String stream = "oci-config-sha256:" + "ab".repeat(32);
        Files.createSymbolicLink(root.resolve("streams/" + stream), Path.of("../objects/" + hex.substring(0, 2) + "/" + hex.substring(2)));
        try (Repository repo = Repository.open(root)) {
            assertEquals(VerityAlgorithm.SHA512_12, repo.meta().algorithm());
            ObjectId id = new ObjectId(hex);
            assertEquals(List.of(id), repo.objects().list());
            assertArrayEquals(content, repo.objects().read(id), "checked against its sha512 name");
            assertEquals(List.of(id), repo.images().list());
            assertEquals(java.util.Optional.of(id), repo.images().ref("myimage"));
            assertEquals(java.util.Optional.of(id), repo.streams().get(stream));
            // a byte changed: the sha512 check refuses it
            content[5] ^= 1;
            Files.write(object, content);
            assertThrows(ObjectVerificationException.class, () -> repo.objects().read(id));
        }
    }

    @Test
    void objectsAreNotReadThroughSymlinksInsideObjects() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] content = "planted outside the repository".getBytes(StandardCharsets.UTF_8);
        ObjectId id = repo.objects().store(content);
        Path object = repo.objects().path(id);
        // the object itself a symlink to a file (with the right content) outside the repository
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.move(object, outside.resolve("file"));
        Files.createSymbolicLink(object, outside.resolve("file"));
        assertThrows(IOException.class, () -> repo.objects().read(id));
        assertThrows(IOException.class, () -> repo.objects().open(id).close());
        // its objects/xx directory a symlink to a directory outside
        Files.delete(object);
        Path xx = object.getParent();
        Files.move(xx, outside.resolve("xx"));
        Files.move(outside.resolve("file"), outside.resolve("xx").resolve(object.getFileName()));
        Files.createSymbolicLink(xx, outside.resolve("xx"));
        try (Repository again = Repository.open(repo.root())) {
            assertThrows(IOException.class, () -> again.objects().read(id));
            assertThrows(IOException.class, () -> again.objects().open(id).close());
        }
    }

    @Test
    void aChangedObjectIsRefusedWithoutKernelVerity() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        org.junit.jupiter.api.Assumptions.assumeFalse(repo.kernelVerity(), "kernel fs-verity refuses the change itself");
        byte[] content = "the content the object is named after".getBytes(StandardCharsets.UTF_8);
        ObjectId id = repo.objects().store(content);
        assertArrayEquals(content, repo.objects().read(id));
        byte[] changed = content.clone();
        changed[0] ^= 1;
        Files.write(repo.objects().path(id), changed);
        assertThrows(ObjectVerificationException.class, () -> repo.objects().read(id));
        assertThrows(ObjectVerificationException.class, () -> repo.objects().open(id).close());
        try (Repository again = Repository.open(repo.root())) {
            assertThrows(ObjectVerificationException.class, () -> again.objects().read(id));
        }
    }

    @Test
    void defaultLocationPrefersExplicit() {
        assertEquals(Path.of("/x/y"), Repository.defaultLocation(Path.of("/x/y")));
        Path def = Repository.defaultLocation(null);
        String env = System.getenv("CFSJ_REPO");
        if (env != null && !env.isEmpty()) {
            assertEquals(Path.of(env), def);
        } else {
            assertEquals(Path.of("/var/lib/cfsj"), def); // tests run as root here
        }
    }

    @Test
    void objectsAreNamedByFsVerityDigestAndDeduplicated() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        ObjectId hello = repo.objects().store("hello world".getBytes(StandardCharsets.US_ASCII));
        assertEquals("1e2eaa4202d750a41174ee454970b92c1bc2f925b1e35076d8c7d5f56362ba64", hello.hex());
        assertTrue(Files.isRegularFile(repo.root().resolve("objects/1e/2eaa4202d750a41174ee454970b92c1bc2f925b1e35076d8c7d5f56362ba64")));
        ObjectId empty = repo.objects().store(new byte[0]);
        assertEquals("3d248ca542a24fc62d1c43b916eae5016878e2533c88238480b26128a1f1af95", empty.hex());

        try (ObjectWriter w = repo.objects().newObject()) {
            w.write("hello ".getBytes(StandardCharsets.US_ASCII));
            w.write("world".getBytes(StandardCharsets.US_ASCII));
            assertEquals(hello, w.commit());
            assertFalse(w.stored(), "second copy must be deduplicated");
        }
        assertEquals(List.of(hello, empty).stream().sorted().toList(), repo.objects().list());
        assertArrayEquals("hello world".getBytes(StandardCharsets.US_ASCII), repo.objects().read(hello));
        assertNoTempFiles(repo);
    }

    @Test
    void namedObjectsAreRecordedInTheDigestLedgerForFuseServers() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        org.junit.jupiter.api.Assumptions.assumeFalse(repo.kernelVerity(), "SKIPPED: kernel fs-verity: nothing is recorded");
        byte[] data = new byte[50_000];
        new java.util.Random(3).nextBytes(data);
        ObjectId small = repo.objects().store("hello world".getBytes(StandardCharsets.US_ASCII));
        ObjectId big;
        ObjectBatch batch = repo.objects().newBatch();
        try (batch; ObjectWriter w = batch.newObject()) {
            w.write(data, 0, data.length);
            big = w.commit();
            batch.install();
        }
        repo.close();
        try (org.cfsj.verity.DigestLedger ledger = org.cfsj.verity.DigestLedger.open(repo.objects().ledgerPath())) {
            for (ObjectId id : List.of(small, big)) {
                org.cfsj.sys.Stat st = stat(repo.objects().path(id));
                assertArrayEquals(id.bytes(), ledger.lookup(st, id.algorithm()), "recorded when named: " + id);
            }
            // changed in place afterwards: the record no longer describes the file
            Path object = repo.objects().path(big);
            data[7] ^= 1;
            Files.write(object, data);
            assertNull(ledger.lookup(stat(object), big.algorithm()));
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(repo.objects().ledgerPath())));
    }

    private static org.cfsj.sys.Stat stat(Path p) throws IOException {
        return org.cfsj.sys.StatCalls.statx(org.cfsj.sys.FileCalls.AT_FDCWD, p.toString().getBytes(StandardCharsets.UTF_8),
                org.cfsj.sys.FileCalls.AT_SYMLINK_NOFOLLOW, p.toString());
    }

    @Test
    void abandonedWriterLeavesNothing() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        try (ObjectWriter w = repo.objects().newObject()) {
            w.write(new byte[100_000]);
            // no commit: e.g. the download failed
        }
        assertTrue(repo.objects().list().isEmpty());
        assertNoTempFiles(repo);
    }

    @Test
    void streamLinksAndRefs() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        ObjectId id = repo.objects().store(new byte[] {1, 2, 3});
        repo.streams().link("oci-blob-sha256:abc", id);
        assertTrue(repo.streams().has("oci-blob-sha256:abc"));
        assertEquals(Path.of("../objects/" + id.objectPath()),
                Files.readSymbolicLink(repo.streams().dir().resolve("oci-blob-sha256:abc")));
        repo.streams().setRef("oci/my%2Fimage:1", "oci-blob-sha256:abc");
        assertEquals(Path.of("../../oci-blob-sha256:abc"),
                Files.readSymbolicLink(repo.streams().dir().resolve("refs/oci/my%2Fimage:1")));
        assertEquals("oci-blob-sha256:abc", repo.streams().ref("oci/my%2Fimage:1").orElseThrow());
        assertEquals(List.of("oci/my%2Fimage:1"), repo.streams().listRefs("oci"));
        // The ref resolves through the file system too.
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(repo.streams().dir().resolve("refs/oci/my%2Fimage:1")));
        assertThrows(RepositoryException.class, () -> repo.streams().setRef("oci/x", "no-such-stream"));
        assertThrows(IllegalArgumentException.class, () -> repo.streams().setRef("../x", "oci-blob-sha256:abc"));
    }

    @Test
    void locksAreSharedAmongImportersAndExclusiveForGc() throws Exception {
        Repository repo = Repository.init(tmp.resolve("r"));
        try (RepoLock a = repo.lock(RepoLock.Mode.SHARED); RepoLock b = repo.lock(RepoLock.Mode.SHARED)) {
            // two shared holders at once in one process: fine
            var gcThread = new Thread(() -> {
                try (RepoLock x = repo.lock(RepoLock.Mode.EXCLUSIVE)) {
                    // acquired only after a and b are released
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            gcThread.start();
            gcThread.join(300);
            assertTrue(gcThread.isAlive(), "exclusive lock must wait for shared holders");
            a.close();
            b.close();
            gcThread.join(5000);
            assertFalse(gcThread.isAlive());
        }
    }

    /** Neither {@code tmp/} nor an {@code objects/xx} directory holds a temporary file. */
    public static void assertNoTempFiles(Repository repo) throws IOException {
        try (Stream<Path> s = Files.list(repo.objects().tempDir())) {
            assertEquals(List.of(), s.toList(), "temporary files left behind");
        }
        try (Stream<Path> s = Files.walk(repo.objects().dir())) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(),
                    "temporary files left behind in objects/");
        }
    }
}
