package org.cfsj.composefs;

import static org.junit.jupiter.api.Assertions.*;

import org.cfsj.tree.Bytes;
import org.junit.jupiter.api.Test;

/** The composefs view logic that needs no mount: node ids and the overlay xattr rules. */
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

    private static String shown(String stored) {
        byte[] v = OverlayXattrs.visibleName(Bytes.of(stored));
        return v == null ? null : Bytes.str(v);
    }

    @Test
    void overlayXattrsAreHiddenOrUnescapedAsOverlayfsDoes() {
        assertNull(shown("trusted.overlay.redirect"));
        assertNull(shown("trusted.overlay.metacopy"));
        assertNull(shown("trusted.overlay.opaque"));
        assertEquals("trusted.overlay.opaque", shown("trusted.overlay.overlay.opaque"));
        assertEquals("trusted.overlay.whiteout", shown("trusted.overlay.overlay.whiteout"));
        assertEquals("trusted.overlay.overlay.x", shown("trusted.overlay.overlay.overlay.x"));
        assertEquals("user.overlay.whiteout", shown("user.overlay.whiteout"));
        assertEquals("security.selinux", shown("security.selinux"));
        assertEquals("trusted.other", shown("trusted.other"));
        assertTrue(OverlayXattrs.showsAs(Bytes.of("trusted.overlay.overlay.foo"), Bytes.of("trusted.overlay.foo")));
        assertFalse(OverlayXattrs.showsAs(Bytes.of("trusted.overlay.foo"), Bytes.of("trusted.overlay.foo")));
        assertFalse(OverlayXattrs.showsAs(Bytes.of("trusted.overlay.redirect"), Bytes.of("trusted.overlay.redirect")));
        assertTrue(OverlayXattrs.showsAs(Bytes.of("user.a"), Bytes.of("user.a")));
        assertFalse(OverlayXattrs.showsAs(Bytes.of("user.a"), Bytes.of("user.b")));
    }

    @Test
    void redirectPayloadAndMetacopyDigest() {
        assertEquals("ab/cdef", OverlayXattrs.payload(Bytes.of("/ab/cdef")));
        assertEquals("ab/cd", OverlayXattrs.payload(Bytes.of("/ab/cd\0junk")));
        byte[] metacopy = new byte[36];
        metacopy[1] = 36;
        metacopy[3] = 1;
        metacopy[4] = 7;
        metacopy[35] = 9;
        byte[] d = OverlayXattrs.digest(metacopy);
        assertEquals(32, d.length);
        assertEquals(7, d[0]);
        assertEquals(9, d[31]);
        assertNull(OverlayXattrs.digest(new byte[] {0, 4, 0, 0}), "a metacopy without digest");
        assertNull(OverlayXattrs.digest(new byte[0]));
    }

    @Test
    void direntTypesMapToModeBits() {
        assertEquals(0040000, ComposefsFilesystem.typeOf(2));
        assertEquals(0100000, ComposefsFilesystem.typeOf(1));
        assertEquals(0120000, ComposefsFilesystem.typeOf(7));
        assertEquals(0, ComposefsFilesystem.typeOf(0));
    }
}
