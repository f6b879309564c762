package org.cfsj.oci.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.oci.layer.LayerTree;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.junit.jupiter.api.Test;

/**
 * Two layers 100,000 directories deep, merged and written as a composefs image at the default
 * stack size: the merge, the writer's passes and the reader must all walk without recursing on
 * depth. At the bottom, the upper layer whites out a file of the lower one and adds a 0/0
 * character device, which the writer stores as an escaped whiteout and marks its directory for.
 */
class DeepLayerTest {
    static final int DEPTH = 100_000;
    static final Metadata LOWER_DIR = new Metadata(0700, 1, 1, 10, 0, 1, List.of());
    static final Metadata IMPLICIT = new Metadata(0755, 0, 0, 0, 0, 1, List.of());
    static final Metadata FILE = new Metadata(0644, 0, 0, 10, 0, 1, List.of());

    /** A layer whose root has a chain of DEPTH directories "d"; returns the layer and its bottom. */
    private static LayerTree chain(Metadata dirMeta, boolean implicit, Directory[] bottom) {
        Set<Node> implicitDirs = Collections.newSetFromMap(new IdentityHashMap<>());
        Directory root = new Directory(dirMeta);
        Directory d = root;
        for (int i = 0; i < DEPTH; i++) {
            Directory sub = new Directory(dirMeta);
            d.add(Bytes.of("d"), sub);
            if (implicit) {
                implicitDirs.add(sub);
            }
            d = sub;
        }
        bottom[0] = d;
        return new LayerTree(root, implicitDirs);
    }

    @Test
    void mergeAndWriteA100000DeepImage() throws Exception {
        Directory[] bottom = new Directory[1];
        LayerTree lower = chain(LOWER_DIR, false, bottom);
        bottom[0].add(Bytes.of("gone"), RegularFile.inline(FILE, Bytes.of("lower\n")));
        bottom[0].add(Bytes.of("kept"), RegularFile.inline(FILE, Bytes.of("kept\n")));
        LayerTree upper = chain(IMPLICIT, true, bottom);
        bottom[0].add(Bytes.of(".wh.gone"), RegularFile.inline(FILE, new byte[0]));
        bottom[0].add(Bytes.of("chardev"), new Device(FILE, false, 0));

        Directory merged = new LayerMerger().apply(lower).apply(upper).finish();
        byte[] image = ComposefsImageWriter.toBytes(merged, ComposefsImageWriter.Options.DEFAULT);

        Directory read = ImageTree.read(ErofsImage.of(image));
        Directory d = read;
        for (int i = 0; i < DEPTH; i++) {
            d = assertInstanceOf(Directory.class, d.get("d"), "level " + (i + 1));
            assertEquals(0700, d.meta().permissions(), "an implied directory keeps the lower layer's metadata");
        }
        assertNull(d.get("gone"), "whited out by the upper layer");
        assertNull(d.get(".wh.gone"), "no whiteout file reaches the image");
        RegularFile kept = assertInstanceOf(RegularFile.class, d.get("kept"));
        assertEquals("kept\n", new String(kept.content(), java.nio.charset.StandardCharsets.UTF_8));
        Device dev = assertInstanceOf(Device.class, d.get("chardev"));
        assertTrue(dev.isWhiteout(), "the 0/0 device reads back as one");
        // The writer chose format version 1 for the whiteout, found 100,000 levels down.
        assertEquals(1, java.nio.ByteBuffer.wrap(image, 12, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt());
    }
}
