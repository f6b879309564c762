package org.cfsj.composefs;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The composefs view logic that needs no mount: node ids and dirent types (overlay xattr rules: OverlayXattrsTest in erofs-reader). */
class ComposefsUnitTest {
    @Test
    void nodeIdsAreABijectionWithTheRootAtOne() {
        for (long root : new long[] {0, 1, 36, 1000}) {
            NodeIds ids = new NodeIds(root);
            assertEquals(1, ids.nodeId(root));
            assertEquals(root, ids.nid(1));
            for (long nid = 0; nid < 2000; nid++) {
                long node = ids.nodeId(nid);
                assertTrue(node >= 1, "node ids are never 0");
                assertEquals(nid, ids.nid(node), "nid " + nid + " with root " + root);
            }
        }
    }

    @Test
    void direntTypesMapToModeBits() {
        assertEquals(0040000, ComposefsFilesystem.typeOf(2));
        assertEquals(0100000, ComposefsFilesystem.typeOf(1));
        assertEquals(0120000, ComposefsFilesystem.typeOf(7));
        assertEquals(0, ComposefsFilesystem.typeOf(0));
    }
}
