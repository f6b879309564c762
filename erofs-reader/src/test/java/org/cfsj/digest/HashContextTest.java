package org.cfsj.digest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Both SHA-256 implementations agree with the standard's answers and with the JDK's MessageDigest. */
class HashContextTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The implementations to check: the JDK's always, OpenSSL's where libcrypto.so.3 is installed. */
    private static List<HashContext> contexts() {
        List<HashContext> all = new ArrayList<>();
        all.add(new JdkHashContext("SHA-256"));
        OpenSslLibrary.functions().ifPresent(f -> all.add(new OpenSslHashContext(f, "SHA-256")));
        return all;
    }

    @Test
    void openSslIsUsedWhereItIsInstalled() {
        boolean installed = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libcrypto.so.3"));
        Assumptions.assumeTrue(installed, "libcrypto.so.3 not installed");
        assertTrue(OpenSslLibrary.available(), "libcrypto.so.3 is installed but not used");
        try (HashContext c = HashContext.sha256()) {
            assertEquals("OpenSSL", c.backend());
        }
    }

    @Test
    void systemPropertyForcesTheJdk() {
        String before = System.getProperty("cfsj.sha256");
        System.setProperty("cfsj.sha256", "jdk");
        try (HashContext c = HashContext.sha256()) {
            assertEquals("JDK", c.backend());
        } finally {
            if (before == null) {
                System.clearProperty("cfsj.sha256");
            } else {
                System.setProperty("cfsj.sha256", before);
            }
        }
    }

    @Test
    void knownAnswers() {
        byte[] pattern = new byte[1 << 20];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 + (i >> 11));
        }
        for (HashContext c : contexts()) {
            try (c) {
                String who = c.backend();
                // FIPS 180-2, appendix B.1 and the empty message
                c.update("abc".getBytes(StandardCharsets.US_ASCII));
                assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", HEX.formatHex(c.digest()), who);
                assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", HEX.formatHex(c.digest()), who);
                // two blocks (FIPS 180-2, appendix B.2)
                c.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII));
                assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", HEX.formatHex(c.digest()), who);
                // 1 MiB, also computed by Python's hashlib
                c.update(pattern);
                assertEquals("fe4abab428e3f5a9c88e3682c2c21c1857b089d71f09086585e4cdf2ec5b625b", HEX.formatHex(c.digest()), who);
                assertEquals(32, c.digestSize());
                assertEquals("SHA-256", c.algorithm());
            }
        }
    }

    @Test
    void equalsTheJdkOnRandomSizesAndPieces() throws Exception {
        Random r = new Random(7);
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        for (HashContext c : contexts()) {
            try (c; Arena arena = Arena.ofConfined()) {
                for (int round = 0; round < 200; round++) {
                    int size = round < 100 ? r.nextInt(300) : r.nextInt(3 << 20);
                    byte[] data = new byte[size + 10];
                    r.nextBytes(data);
                    // pieces in turn from an array slice, heap / read-only / direct buffers and native memory
                    int off = 5;
                    int end = off + size;
                    int kind = 0;
                    while (off < end) {
                        int n = Math.min(end - off, 1 + r.nextInt(round % 2 == 0 ? 70 : 1 << 21));
                        switch (kind++ % 5) {
                            case 0 -> c.update(data, off, n);
                            case 1 -> {
                                ByteBuffer b = ByteBuffer.wrap(data, off, n);
                                c.update(b);
                                assertEquals(0, b.remaining());
                            }
                            case 2 -> c.update(ByteBuffer.wrap(data, off, n).asReadOnlyBuffer());
                            case 3 -> {
                                ByteBuffer b = ByteBuffer.allocateDirect(n).put(data, off, n).flip();
                                c.update(b);
                                assertEquals(0, b.remaining());
                            }
                            default -> {
                                MemorySegment s = arena.allocate(n);
                                MemorySegment.copy(data, off, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, n);
                                c.update(s);
                            }
                        }
                        off += n;
                    }
                    jdk.update(data, 5, size);
                    byte[] out = new byte[40];
                    c.digest(out, 8);
                    byte[] expected = jdk.digest();
                    assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 8, 40), c.backend() + ", " + size + " bytes");
                }
            }
        }
    }

    @Test
    void boundsAreChecked() {
        for (HashContext c : contexts()) {
            try (c) {
                assertThrows(IndexOutOfBoundsException.class, () -> c.update(new byte[10], 5, 6), c.backend());
                assertThrows(IndexOutOfBoundsException.class, () -> c.digest(new byte[40], 9), c.backend());
                c.update(new byte[0], 0, 0);
                assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", HEX.formatHex(c.digest()));
            }
        }
    }

    @Test
    void aClosedOpenSslContextRefusesWork() {
        OpenSslHashContext c = new OpenSslHashContext(
                OpenSslLibrary.functions().orElseGet(() -> {
                    Assumptions.abort("libcrypto.so.3 not usable");
                    return null;
                }), "SHA-256");
        c.close();
        c.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> c.update(new byte[1]));
        assertThrows(IllegalStateException.class, c::digest);
    }

    @Test
    void sha512IsTheJdks() {
        try (HashContext c = HashContext.create("SHA-512")) {
            assertEquals("JDK", c.backend());
            c.update("abc".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                    + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", HEX.formatHex(c.digest()));
        }
    }
}
