package org.cfsj.repo.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.oci.TestImages;
import org.cfsj.oci.TestTar;
import org.cfsj.oci.image.ImageBuilder;
import org.cfsj.oci.image.OciImages;
import org.cfsj.oci.layer.LayerExporter;
import org.cfsj.oci.layer.LayerImporter;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryTest;
import org.cfsj.repo.splitstream.SplitStreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsckGcTest {
    @TempDir
    Path tmp;

    private static byte[] layer(long seed) {
        return new TestTar().dir("usr", 0755).file("usr/a", 0644, TestTar.data(30_000, seed))
                .file("usr/b", 0644, TestTar.data(9_000, seed + 100)).file("usr/s", "small").finish();
    }

    @Test
    void fsckIsCleanOnAHealthyRepositoryAndSaysVerityIsMissing() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        TestImages.store(repo, "img", List.of(layer(1), layer(2)));
        ImageBuilder.createImage(repo, "img");
        Fsck.Report r = Fsck.run(repo, 0);
        assertTrue(r.clean(), r.problems().toString());
        assertFalse(r.kernelVerity());
        assertEquals(repo.objects().list().size(), r.objectsChecked());
    }

    @Test
    void fsckReportsAnObjectThatIsASymlinkInsteadOfFollowingIt() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        ObjectId id = repo.objects().store(TestTar.data(5000, 7));
        Path object = repo.objects().path(id);
        // the right content, but outside the repository: a symlink is never an object
        Path outside = Files.createDirectories(tmp.resolve("outside")).resolve("file");
        Files.move(object, outside);
        Files.createSymbolicLink(object, outside);
        Fsck.Report r = Fsck.run(repo, 0);
        assertEquals(List.of(id), r.corrupt());
        assertTrue(r.problems().stream().anyMatch(p -> p.startsWith("corrupt object " + id)), r.problems().toString());
    }

    @Test
    void fsckFindsAFlippedByteAndAMissingObject() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        TestImages.store(repo, "img", List.of(layer(1)));
        ObjectId image = ImageBuilder.createImage(repo, "img");
        var layerStream = SplitStreamReader.open(repo.objects(), repo.streams().require(LayerImporter.streamName(TestTar.diffId(layer(1)))));
        ObjectId a = layerStream.objectRefs().get(0);
        ObjectId b = layerStream.objectRefs().get(1);

        Path pa = repo.objects().path(a);
        pa.toFile().setWritable(true);
        byte[] content = Files.readAllBytes(pa);
        content[1234] ^= 1;
        Files.write(pa, content);
        Files.delete(repo.objects().path(b));

        Fsck.Report r = Fsck.run(repo, 1);
        assertFalse(r.clean());
        assertEquals(List.of(a), r.corrupt());
        assertEquals(List.of(b), r.missing());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("corrupt object " + a)), r.problems().toString());
        assertTrue(repo.images().has(image));
    }

    @Test
    void gcRemovesWhatNoRefReachesAndKeepsTheRest() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        TestImages.store(repo, "kept", List.of(layer(1)));
        ObjectId keptImage = ImageBuilder.createImage(repo, "kept");
        // An imported layer that no manifest names, and a stray object.
        byte[] orphan = layer(7);
        LayerImporter.importLayer(repo, new ByteArrayInputStream(orphan), TestTar.diffId(orphan));
        ObjectId stray = repo.objects().store(TestTar.data(5000, 99));
        Files.write(repo.objects().tempDir().resolve("obj-crashed.tmp"), new byte[10]);
        Files.write(repo.objects().path(stray).resolveSibling(".obj-crashed-1.tmp"), new byte[10]);
        List<ObjectId> before = repo.objects().list();

        GarbageCollector.Report dry = GarbageCollector.run(repo, true);
        assertEquals(before, repo.objects().list(), "dry run changes nothing");
        assertTrue(dry.objectsRemoved() >= 4, dry.toString()); // 2 file objects + layer stream + stray

        GarbageCollector.Report gc = GarbageCollector.run(repo, false);
        assertEquals(dry.objectsRemoved(), gc.objectsRemoved());
        assertFalse(repo.objects().has(stray));
        assertFalse(repo.streams().has(LayerImporter.streamName(TestTar.diffId(orphan))));
        assertTrue(repo.images().has(keptImage));
        assertEquals(keptImage, OciImages.resolve(repo, "kept").imageId().orElseThrow());
        assertTrue(Fsck.run(repo, 0).clean());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerExporter.exportLayer(repo, TestTar.diffId(layer(1)), out);
        assertEquals(TestTar.diffId(layer(1)), TestTar.diffId(out.toByteArray()));
        RepositoryTest.assertNoTempFiles(repo);

        // Untagged, everything goes.
        OciImages.untag(repo, "kept");
        GarbageCollector.run(repo, false);
        assertEquals(List.of(), repo.objects().list());
        assertEquals(List.of(), repo.streams().list());
        assertEquals(List.of(), repo.images().list());
    }

    @Test
    void oldConfigVersionsBecomeGarbageAfterCreateImage() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        TestImages.store(repo, "img", List.of(layer(1)));
        ImageBuilder.createImage(repo, "img");
        GarbageCollector.Report gc = GarbageCollector.run(repo, false);
        // the config and manifest streams written before the image was recorded
        assertEquals(2, gc.objectsRemoved(), gc.removed().toString());
        assertTrue(Fsck.run(repo, 0).clean());
        assertTrue(OciImages.resolve(repo, "img").imageId().isPresent());
    }

    @Test
    void gcRemovesNothingWhileANamedStreamCannotBeRead() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        // A stream object whose references cannot be known: the magic, then bytes no reader parses.
        byte[] unreadable = new byte[200];
        System.arraycopy(org.cfsj.repo.splitstream.SplitStreamFormat.MAGIC, 0, unreadable, 0,
                org.cfsj.repo.splitstream.SplitStreamFormat.MAGIC.length);
        java.util.Arrays.fill(unreadable, org.cfsj.repo.splitstream.SplitStreamFormat.MAGIC.length, unreadable.length, (byte) 0x7f);
        ObjectId stream = repo.objects().store(unreadable);
        repo.streams().link("oci-layer-x", stream);
        repo.streams().setRef("named/x", "oci-layer-x");
        ObjectId other = repo.objects().store(TestTar.data(5000, 11));

        org.cfsj.repo.RepositoryException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.cfsj.repo.RepositoryException.class, () -> GarbageCollector.run(repo, false));
        assertTrue(e.getMessage().contains(stream.hex()), e.getMessage());
        assertTrue(repo.objects().has(other), "an object the unreadable stream may name is kept");
        assertTrue(repo.objects().has(stream));
    }
}
