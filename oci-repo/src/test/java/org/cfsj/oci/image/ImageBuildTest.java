package org.cfsj.oci.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.oci.TestImages;
import org.cfsj.oci.TestTar;
import org.cfsj.oci.layer.LayerImporter;
import org.cfsj.oci.layer.LayerTree;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.splitstream.SplitStreamReader;
import org.cfsj.tree.Directory;
import org.cfsj.tree.RegularFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageBuildTest {
    @TempDir
    Path tmp;

    static List<byte[]> layers() {
        byte[] l1 = new TestTar().mtime(1000)
                .dir("usr", 0755, 0, 0)
                .dir("etc", 0755)
                .file("etc/keep", "keep")
                .file("etc/gone", "gone")
                .dir("opaque", 0700)
                .file("opaque/old", "old")
                .dir("var", 0755)
                .dir("var/lib", 0711)
                .file("var/lib/db", 0644, TestTar.data(20_000, 9))
                .hardlink("var/lib/db2", "var/lib/db")
                .dir("run", 0755)
                .file("run/pid", "1")
                .file("usr/big", 0755, TestTar.data(50_000, 10))
                .finish();
        byte[] l2 = new TestTar().mtime(2000)
                .dir("usr", 0555, 5, 6) // most-derived metadata for /usr
                .file("etc/.wh.gone", 0644, new byte[0])
                .dir("opaque", 0750)
                .file("opaque/.wh..wh..opq", 0644, new byte[0])
                .file("opaque/new", "new")
                .file("var/lib/.wh.db2", 0644, new byte[0]) // implicit var/lib: keeps layer 1's 0711
                .file("etc/added", "added")
                .finish();
        return List.of(l1, l2);
    }

    @Test
    void mergeAppliesWhiteoutsOpaqueDirsAndMetadataRules() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        OciImage img = TestImages.store(repo, "test/merge:1", layers());
        Directory root = ImageBuilder.mergedTree(repo, img);
        Directory etc = (Directory) root.get("etc");
        assertNull(etc.get("gone"), ".wh.gone removes gone");
        assertNull(etc.get(".wh.gone"), "whiteout files never reach the image");
        assertTrue(etc.get("keep") != null && etc.get("added") != null);
        Directory opaque = (Directory) root.get("opaque");
        assertNull(opaque.get("old"), "opaque dir hides the lower layer's entries");
        assertTrue(opaque.get("new") != null);
        assertNull(opaque.get(".wh..wh..opq"));
        assertEquals(0750, opaque.meta().permissions());
        assertEquals(2000, opaque.meta().mtimeSec());
        Directory usr = (Directory) root.get("usr");
        assertEquals(0555, usr.meta().permissions());
        assertEquals(5, usr.meta().uid());
        // root metadata is /usr's
        assertEquals(0555, root.meta().permissions());
        assertEquals(5, root.meta().uid());
        assertEquals(6, root.meta().gid());
        assertEquals(2000, root.meta().mtimeSec());
        // a directory only implied by a deeper path keeps the lower layer's metadata
        Directory lib = (Directory) ((Directory) root.get("var")).get("lib");
        assertEquals(0711, lib.meta().permissions());
        assertEquals(1000, lib.meta().mtimeSec());
        RegularFile db = (RegularFile) lib.get("db");
        assertNull(lib.get("db2"));
        assertEquals(1, db.meta().nlink(), "nlink counts the names left after the whiteout");
        // /run is emptied and takes /usr's mtime
        Directory run = (Directory) root.get("run");
        assertTrue(run.entries().isEmpty());
        assertEquals(2000, run.meta().mtimeSec());
    }

    @Test
    void hardlinksSurviveTheMerge() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        OciImage img = TestImages.store(repo, "links", List.of(layers().getFirst()));
        Directory lib = (Directory) ((Directory) ImageBuilder.mergedTree(repo, img).get("var")).get("lib");
        assertSame(lib.get("db"), lib.get("db2"));
        assertEquals(2, lib.get("db").meta().nlink());
    }

    @Test
    void createImageIsDeterministicAndRecorded() throws IOException {
        Repository a = Repository.init(tmp.resolve("a"));
        Repository b = Repository.init(tmp.resolve("b"));
        TestImages.store(a, "img:1", layers());
        TestImages.store(b, "other-name", layers());
        ObjectId idA = ImageBuilder.createImage(a, "img:1");
        ObjectId idB = ImageBuilder.createImage(b, "other-name");
        assertEquals(idA, idB, "same layers, same image id, in any repository");
        assertEquals(idA, ImageBuilder.createImage(a, "img:1"), "rebuilding gives the same id");

        assertTrue(a.images().has(idA));
        assertEquals(List.of(idA), a.images().list());
        assertEquals(idA, a.images().ref("oci/img:1").orElseThrow());
        OciImage resolved = OciImages.resolve(a, "img:1");
        assertEquals(idA, resolved.imageId().orElseThrow());
        assertEquals(idA, SplitStreamReader.open(a.objects(), resolved.configStream()).namedRef(OciImages.IMAGE_REF).orElseThrow());

        // The image is a composefs EROFS image whose large files point at repository objects.
        Path imageFile = a.objects().path(idA);
        assertEquals(idA, ObjectId.of(org.cfsj.verity.FsVerity.digest(imageFile)));
        try (ErofsImage image = ErofsImage.open(imageFile)) {
            assertTrue(image.superblock() != null);
        }
        Directory merged = ImageBuilder.mergedTree(a, resolved);
        RegularFile big = (RegularFile) ((Directory) merged.get("usr")).get("big");
        assertTrue(a.objects().has(ObjectId.of(big.digest())));
        assertEquals(ObjectId.of(big.digest()).objectPath(), big.payload());
    }

    @Test
    void treesFromTheImportGiveTheSameImageAsReadingTheLayersBack() throws IOException {
        // l1 twice: its imported tree serves one use, the other is read back.
        List<byte[]> layers = List.of(layers().get(0), layers().get(1), layers().get(0));
        Repository a = Repository.init(tmp.resolve("a"));
        Map<String, LayerTree> trees = new HashMap<>();
        for (byte[] tar : layers) {
            String diffId = TestTar.diffId(tar);
            LayerImporter.Imported imported = LayerImporter.importLayerWithTree(a, new ByteArrayInputStream(tar), diffId);
            if (imported.tree() != null) {
                trees.put(diffId, imported.tree());
            }
        }
        assertEquals(2, trees.size(), "the second import of l1 finds it present: no tree");
        TestImages.store(a, "x", layers);
        ObjectId fromTrees = ImageBuilder.createImage(a, "x", trees);

        Repository b = Repository.init(tmp.resolve("b"));
        TestImages.store(b, "x", layers);
        assertEquals(ImageBuilder.createImage(b, "x"), fromTrees);
        assertEquals(fromTrees, ImageBuilder.createImage(a, "x"));
    }

    @Test
    void storeResolveAndListImages() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        OciImage img = TestImages.store(repo, "registry.example:5000/ns/app:v1", layers());
        assertTrue(Files.isSymbolicLink(repo.streams().dir().resolve("refs/oci/registry.example:5000%2Fns%2Fapp:v1")));
        assertEquals(img.manifestDigest(), OciImages.resolve(repo, img.manifestDigest()).manifestDigest());
        assertEquals(TestTar.diffId(img.manifest()), img.manifestDigest(), "manifest bytes kept exactly");
        assertEquals(img.configDigest(), TestTar.diffId(img.config()));
        assertEquals(2, img.diffIds().size());
        assertFalse(img.imageId().isPresent());

        TestImages.store(repo, "plain", List.of(layers().getFirst()));
        assertEquals("plain", OciImages.resolve(repo, "plain").name());
        List<ImageSummary> list = OciImages.list(repo);
        assertEquals(List.of("plain", "registry.example:5000/ns/app:v1"), list.stream().map(ImageSummary::name).toList());
        assertEquals("2024-01-02T03:04:05Z", list.get(1).created());
        long expectedSize = img.config().length + layers().stream().mapToLong(l -> l.length).sum();
        assertEquals(expectedSize, list.get(1).size());

        var e = assertThrows(RepositoryException.class, () -> OciImages.resolve(repo, "nope"));
        assertTrue(e.getMessage().contains("no image named nope"), e.getMessage());
        assertNotEquals(OciImages.resolve(repo, "plain").manifestDigest(), img.manifestDigest());
        assertEquals("a/b%c", OciImages.decodeTag(OciImages.encodeTag("a/b%c")));
    }

    @Test
    void storeRefusesConfigDigestMismatchAndMissingLayers() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] config = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:".concat("1".repeat(64)).concat("\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + TestTar.diffId(config)
                + "\",\"size\":1},\"layers\":[{\"digest\":\"sha256:" + "2".repeat(64) + "\",\"size\":1}]}")
                .getBytes(StandardCharsets.UTF_8);
        var e = assertThrows(RepositoryException.class, () -> OciImages.store(repo, manifest, config, "t"));
        assertTrue(e.getMessage().contains("has not been imported"), e.getMessage());
        byte[] otherConfig = "{}".getBytes(StandardCharsets.UTF_8);
        var e2 = assertThrows(RepositoryException.class, () -> OciImages.store(repo, manifest, otherConfig, "t"));
        assertTrue(e2.getMessage().contains("but the manifest says"), e2.getMessage());
        assertEquals(List.of(), repo.streams().listRefs(""));
    }

    @Test
    void imageTreeMatchesTheMergedTreeInTheImage() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        TestImages.store(repo, "x", layers());
        ObjectId id = ImageBuilder.createImage(repo, "x");
        byte[] img = Files.readAllBytes(repo.objects().path(id));
        byte[] again = org.cfsj.erofs.write.ComposefsImageWriter.toBytes(
                ImageBuilder.mergedTree(repo, OciImages.resolve(repo, "x")), org.cfsj.erofs.write.ComposefsImageWriter.Options.DEFAULT);
        assertArrayEquals(again, img);
        assertInstanceOf(Directory.class, ImageBuilder.mergedTree(repo, OciImages.resolve(repo, "x")).get("opaque"));
    }
}
