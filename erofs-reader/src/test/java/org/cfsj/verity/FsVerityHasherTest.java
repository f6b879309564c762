package org.cfsj.verity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming hasher gives the same digest however the data is cut into pieces. */
class FsVerityHasherTest {
    // Up to 2 MiB: two tree levels with SHA-256 / 4 KiB, five with SHA-512 / 1 KiB (16 hashes a block).
    private static final int[] SIZES = {0, 1, 4095, 4096, 4097, 128 * 4096, 128 * 4096 + 1, 129 * 4096,
                                        2 * 1024 * 1024 + 3};

    @Test
    void oddPiecesEqualOneShot() {
        Random r = new Random(42);
        for (FsVerityParams params : new FsVerityParams[] {
                FsVerityParams.DEFAULT,
                new FsVerityParams(HashAlgorithm.SHA512, 1024),
                new FsVerityParams(HashAlgorithm.SHA256, 4096, HexFormat.of().parseHex("0011223344"))}) {
            for (int size : SIZES) {
                byte[] data = new byte[size];
                r.nextBytes(data);
                byte[] oneShot = digest(params, data, size + 1);
                for (int maxPiece : new int[] {1, 7, 4095, 4097, 100_003}) {
                    if (maxPiece == 1 && size > 600_000) {
                        continue; // byte by byte is slow and adds nothing on huge inputs
                    }
                    assertArrayEquals(oneShot, digest(params, data, maxPiece),
                            params + ", " + size + " bytes in pieces up to " + maxPiece);
                }
                // Direct buffers go through another code path.
                FsVerityHasher h = new FsVerityHasher(params);
                ByteBuffer direct = ByteBuffer.allocateDirect(size).put(data).flip();
                h.update(direct);
                assertEquals(0, direct.remaining());
                assertArrayEquals(oneShot, h.finish(), params + ", " + size + " bytes from a direct buffer");
            }
        }
    }

    @Test
    void helloWorldThroughTheDefaultConstructor() {
        FsVerityHasher h = new FsVerityHasher();
        byte[] hello = "hello world".getBytes();
        h.update(hello, 0, 5);
        h.update(ByteBuffer.wrap(hello, 5, 6));
        assertEquals(11, h.dataSize());
        assertEquals("1e2eaa4202d750a41174ee454970b92c1bc2f925b1e35076d8c7d5f56362ba64",
                FsVerity.toHex(h.finish()));
    }

    @Test
    void finishIsCallableOnce() {
        FsVerityHasher h = new FsVerityHasher(HashAlgorithm.SHA512, 4096);
        h.finish();
        assertThrows(IllegalStateException.class, h::finish);
        assertThrows(IllegalStateException.class, () -> h.update(new byte[1], 0, 1));
    }

    /** Feeds {@code data} in pieces of pseudo-random sizes between 1 and {@code maxPiece}. */
    private static byte[] digest(FsVerityParams params, byte[] data, int maxPiece) {
        FsVerityHasher h = new FsVerityHasher(params);
        Random r = new Random(maxPiece);
        for (int off = 0; off < data.length; ) {
            int n = Math.min(data.length - off, 1 + r.nextInt(maxPiece));
            h.update(data, off, n);
            off += n;
        }
        return h.finish();
    }
}
