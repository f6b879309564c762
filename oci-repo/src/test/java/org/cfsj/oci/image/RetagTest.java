package org.cfsj.oci.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.cfsj.oci.TestImages;
import org.cfsj.oci.TestTar;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.maintenance.GarbageCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tag and its image ref ({@code images/refs/oci/<tag>}) move together: the ref never keeps an image the tag left. */
class RetagTest {
    @TempDir
    Path tmp;

    private static byte[] layer(long seed) {
        return new TestTar().dir("usr", 0755).file("usr/a", 0644, TestTar.data(20_000, seed)).finish();
    }

    @Test
    void movingATagToAnUnbuiltImageDropsTheOldImageRef() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        TestImages.store(repo, "app", List.of(layer(1)));
        ObjectId old = ImageBuilder.createImage(repo, "app");
        assertEquals(Optional.of(old), repo.images().ref("oci/app"));

        // as `oci pull --no-image` of another image to the same name does
        OciImage next = TestImages.store(repo, "app", List.of(layer(2)));
        assertEquals(next.manifestDigest(), OciImages.resolve(repo, "app").manifestDigest());
        assertEquals(Optional.empty(), repo.images().ref("oci/app"), "the image ref named what the tag no longer does");
        GarbageCollector.run(repo, false);
        assertFalse(repo.images().has(old), "gc keeps no image that nothing named reaches");

        // and moving it to a built image points the image ref there
        ObjectId built = ImageBuilder.createImage(repo, next.manifestDigest());
        TestImages.store(repo, "other", List.of(layer(1)));
        OciImages.tag(repo, "app", next.manifestDigest());
        assertEquals(Optional.of(built), repo.images().ref("oci/app"));
        assertTrue(repo.images().has(built));
    }
}
