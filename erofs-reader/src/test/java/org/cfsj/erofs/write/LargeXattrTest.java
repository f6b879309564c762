package org.cfsj.erofs.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Xattr;
import org.junit.jupiter.api.Test;

/**
 * Xattr values up to the largest an EROFS entry holds (a 16-bit size) are written and read back,
 * both inline in one inode and in the shared area (a value several inodes carry): layers and
 * dumpfiles may carry them, and C mkcomposefs writes them.
 */
class LargeXattrTest {
    private static final int MAX_VALUE = 0xffff;

    @Test
    void largestValuesRoundTripInlineAndShared() throws Exception {
        byte[] unique = filled(MAX_VALUE, (byte) 'u');
        byte[] common = filled(MAX_VALUE - 3, (byte) 's');
        Directory root = new Directory(meta(0755, 2, List.of()));
        root.add(Bytes.of("one"), RegularFile.inline(meta(0644, 1,
                List.of(Xattr.of("user.big", unique))), Bytes.of("1")));
        root.add(Bytes.of("two"), RegularFile.inline(meta(0644, 1, List.of(Xattr.of("user.common", common))), Bytes.of("2")));
        root.add(Bytes.of("three"), RegularFile.inline(meta(0644, 1, List.of(Xattr.of("user.common", common))), Bytes.of("3")));

        byte[] image = ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT);

        try (ErofsImage img = ErofsImage.of(image)) {
            Directory back = ImageTree.read(img);
            assertArrayEquals(unique, value(back.get("one"), "user.big"));
            for (String name : List.of("two", "three")) {
                assertArrayEquals(common, value(back.get(name), "user.common"), name);
            }
        }
    }

    private static byte[] value(Node node, String name) {
        List<Xattr> matches = node.meta().xattrs().stream().filter(x -> x.nameString().equals(name)).toList();
        assertEquals(1, matches.size(), name + " on " + node);
        return matches.getFirst().value();
    }

    private static byte[] filled(int size, byte b) {
        byte[] v = new byte[size];
        Arrays.fill(v, b);
        return v;
    }

    private static Metadata meta(int permissions, int nlink, List<Xattr> xattrs) {
        return new Metadata(permissions, 0, 0, 1_700_000_000L, 0, nlink, xattrs);
    }
}
