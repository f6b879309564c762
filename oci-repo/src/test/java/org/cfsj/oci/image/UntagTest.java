package org.cfsj.oci.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.cfsj.oci.TestImages;
import org.cfsj.oci.TestTar;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.maintenance.Fsck;
import org.cfsj.repo.maintenance.GarbageCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Untagging removes a name and its image ref, never content another name still reaches; gc then reclaims the rest. */
class UntagTest {
    @TempDir
    Path tmp;

    private static byte[] layer(long seed) {
        return new TestTar().dir("usr", 0755).file("usr/a", 0644, TestTar.data(20_000, seed)).finish();
    }

    @Test
    void untagRemovesTheNameAndItsImageRefButAnotherTagKeepsTheImage() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        OciImage img = TestImages.store(repo, "one", List.of(layer(1)));
        ObjectId built = ImageBuilder.createImage(repo, "one");
        OciImages.tag(repo, "two", img.manifestDigest());
        assertEquals(Optional.of(built), repo.images().ref("oci/one"));
        assertEquals(Optional.of(built), repo.images().ref("oci/two"));

        assertEquals(List.of("one"), OciImages.untagAll(repo, "one"));
        assertThrows(RepositoryException.class, () -> OciImages.resolve(repo, "one"));
        assertEquals(Optional.empty(), repo.images().ref("oci/one"), "the image ref goes with the tag");
        assertEquals(Optional.empty(), repo.streams().ref("oci/one"));

        GarbageCollector.run(repo, false);
        assertEquals(built, OciImages.resolve(repo, "two").imageId().orElseThrow(), "the other tag keeps the image");
        assertTrue(repo.images().has(built));
        assertTrue(Fsck.run(repo, 0).clean());

        RepositoryException e = assertThrows(RepositoryException.class, () -> OciImages.untagAll(repo, "one"));
        assertEquals("no image named one", e.getMessage());

        assertTrue(OciImages.untag(repo, "two"));
        assertFalse(OciImages.untag(repo, "two"));
        GarbageCollector.run(repo, false);
        assertFalse(repo.images().has(built));
        assertEquals(List.of(), repo.objects().list());
        assertTrue(Fsck.run(repo, 0).clean());
    }

    @Test
    void aNameWithoutTagAlsoTriesLatestAsResolveDoes() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        TestImages.store(repo, "busybox:latest", List.of(layer(1)));
        TestImages.store(repo, "busybox:1.36", List.of(layer(1)));
        assertEquals(List.of("busybox:latest"), OciImages.untagAll(repo, "busybox"));
        assertThrows(RepositoryException.class, () -> OciImages.resolve(repo, "busybox:latest"));
        assertEquals("busybox:1.36", OciImages.resolve(repo, "busybox:1.36").name());
    }

    @Test
    void aManifestDigestRemovesEveryTagNamingItAndNoOther() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        OciImage a = TestImages.store(repo, "reg/a:1", List.of(layer(1)));
        ImageBuilder.createImage(repo, "reg/a:1");
        OciImages.tag(repo, "b", a.manifestDigest());
        OciImage other = TestImages.store(repo, "c", List.of(layer(2)));

        assertEquals(List.of("b", "reg/a:1"), OciImages.untagAll(repo, a.manifestDigest()));
        assertEquals(List.of("c"), OciImages.list(repo).stream().map(ImageSummary::name).toList());
        assertEquals(List.of(), repo.images().listRefs("oci"));
        assertEquals(other.manifestDigest(), OciImages.resolve(repo, "c").manifestDigest());
        assertThrows(RepositoryException.class, () -> OciImages.untagAll(repo, a.manifestDigest()));
    }
}
