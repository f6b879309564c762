package org.cfsj.erofs;

import static org.junit.jupiter.api.Assertions.*;

import org.cfsj.tree.Bytes;
import org.junit.jupiter.api.Test;

/** composefs's overlay xattr rules: escaping, hiding, redirect and metacopy values both ways. */
class OverlayXattrsTest {
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
    void redirectPayloadAndMetacopyDigest() throws Exception {
        assertEquals("ab/cdef", OverlayXattrs.payload(Bytes.of("/ab/cdef")));
        assertEquals("ab/cd", OverlayXattrs.payload(Bytes.of("/ab/cd\0junk")));
        byte[] metacopy = new byte[36];
        metacopy[1] = 36;
        metacopy[3] = 1;
        metacopy[4] = 7;
        metacopy[35] = 9;
        byte[] d = OverlayXattrs.metacopyDigest(metacopy);
        assertEquals(32, d.length);
        assertEquals(7, d[0]);
        assertEquals(9, d[31]);
        assertNull(OverlayXattrs.metacopyDigest(new byte[] {0, 4, 0, 0}), "a metacopy without digest");
        assertNull(OverlayXattrs.metacopyDigest(new byte[0]));
    }

    @Test
    void escapingIsUndoneByVisibleName() {
        assertEquals("trusted.overlay.overlay.opaque", Bytes.str(OverlayXattrs.escape(Bytes.of("trusted.overlay.opaque"))));
        assertEquals("trusted.overlay.overlay.overlay.x",
                Bytes.str(OverlayXattrs.escape(Bytes.of("trusted.overlay.overlay.x"))));
        byte[] user = Bytes.of("user.overlay.opaque");
        assertSame(user, OverlayXattrs.escape(user), "only trusted.overlay.* is escaped");
        for (String name : new String[] {"trusted.overlay.a", "trusted.overlay.overlay.b", "user.c", "trusted.d"}) {
            assertEquals(name, Bytes.str(OverlayXattrs.visibleName(OverlayXattrs.escape(Bytes.of(name)))));
        }
    }

    @Test
    void redirectAndMetacopyValuesReadBack() throws Exception {
        assertEquals("/ab/cdef", Bytes.str(OverlayXattrs.redirect(Bytes.of("ab/cdef"))));
        assertEquals("ab/cdef", OverlayXattrs.payload(OverlayXattrs.redirect(Bytes.of("ab/cdef"))));
        assertEquals("/", OverlayXattrs.payload(Bytes.of("/")), "composefs keeps a lone '/'");
        byte[] digest = new byte[32];
        digest[0] = 7;
        digest[31] = 9;
        byte[] metacopy = OverlayXattrs.metacopy(digest);
        assertArrayEquals(new byte[] {0, 36, 0, 1}, java.util.Arrays.copyOf(metacopy, 4));
        assertArrayEquals(digest, OverlayXattrs.metacopyDigest(metacopy));
        assertArrayEquals(digest, OverlayXattrs.metacopyDigest(metacopy));
        assertEquals(0, OverlayXattrs.metacopy(null).length);
        assertNull(OverlayXattrs.metacopyDigest(new byte[0]));
        assertNull(OverlayXattrs.metacopyDigest(new byte[40]), "composefs takes a digest only from a 36-byte value");
    }

    @Test
    void sha512MetacopyRoundTrips() throws Exception {
        byte[] digest = new byte[64];
        digest[0] = 5;
        digest[63] = 6;
        byte[] metacopy = OverlayXattrs.metacopy(digest);
        assertArrayEquals(new byte[] {0, 68, 0, 2}, java.util.Arrays.copyOf(metacopy, 4),
                "struct ovl_metacopy: version 0, len 68, flags 0, digest_algo 2 (FS_VERITY_HASH_ALG_SHA512)");
        assertArrayEquals(digest, OverlayXattrs.metacopyDigest(metacopy));
    }

    @Test
    void metacopyNamingAnAlgorithmWithTheWrongLengthIsRefused() {
        byte[] sha512Short = new byte[36];
        sha512Short[1] = 36;
        sha512Short[3] = 2;
        ErofsFormatException e = assertThrows(ErofsFormatException.class, () -> OverlayXattrs.metacopyDigest(sha512Short));
        assertEquals("metacopy xattr says sha512 but carries 32 digest bytes (expected 64)", e.getMessage());
        byte[] sha256Long = new byte[68];
        sha256Long[1] = 68;
        sha256Long[3] = 1;
        assertThrows(ErofsFormatException.class, () -> OverlayXattrs.metacopyDigest(sha256Long));
        byte[] sha512BadLen = OverlayXattrs.metacopy(new byte[64]);
        sha512BadLen[1] = 36;
        assertThrows(ErofsFormatException.class, () -> OverlayXattrs.metacopyDigest(sha512BadLen));
        byte[] odd = new byte[50];
        odd[3] = 2;
        assertThrows(ErofsFormatException.class, () -> OverlayXattrs.metacopyDigest(odd));
    }
}
