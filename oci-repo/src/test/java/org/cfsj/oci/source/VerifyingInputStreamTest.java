package org.cfsj.oci.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
    private static final byte[] DATA = "layer bytes".getBytes(StandardCharsets.UTF_8);

    @Test
    void goodBlobPassesAndIsMarkedVerified() throws Exception {
        var in = new VerifyingInputStream(new ByteArrayInputStream(DATA), Digest.of(DATA), DATA.length, "b");
        assertArrayEquals(DATA, in.readAllBytes());
        assertTrue(in.verified());
    }

    @Test
    void wrongDigestFailsOnlyAtEndOfStream() throws Exception {
        byte[] tampered = DATA.clone();
        tampered[0] ^= 1;
        var in = new VerifyingInputStream(new ByteArrayInputStream(tampered), Digest.of(DATA), DATA.length, "b");
        byte[] buf = new byte[DATA.length];
        int n = in.read(buf, 0, buf.length); // content flows, but ...
        assertTrue(n > 0);
        assertFalse(in.verified());
        var e = assertThrows(BlobDigestException.class, in::drainAndVerify); // ... EOF is never reported
        assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
    }

    @Test
    void sizeIsEnforcedBothWays() {
        var longer = new VerifyingInputStream(new ByteArrayInputStream(DATA), Digest.of(DATA), DATA.length - 1, "b");
        assertThrows(BlobDigestException.class, longer::readAllBytes);
        var shorter = new VerifyingInputStream(new ByteArrayInputStream(DATA), Digest.of(DATA), DATA.length + 1, "b");
        assertThrows(BlobDigestException.class, shorter::readAllBytes);
    }
}
