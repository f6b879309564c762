package org.cfsj.verity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VerityAlgorithm}: its facts, and sha512 digests checked against fsverity-utils and fixed vectors. */
class VerityAlgorithmTest {
    /** {@code printf 'hello world' | fsverity digest --hash-alg=sha512} (fsverity-utils 1.5). */
    private static final String HELLO_SHA512 = "18430270729d162d4e469daca123ae61893db4b0583d8f7081e3bf4f92b88ba5"
            + "14e7982f10733fb6aa895195c5ae8fd2eb2c47a8be05513ce5a0c51a6f570409";
    /** The same for an empty file. */
    private static final String EMPTY_SHA512 = "ccf9e5aea1c2a64efa2f2354a6024b90dffde6bbc017825045dce374474e13d1"
            + "0adb9dadcc6ca8e17a3c075fbd31336e8f266ae6fa93a6c3bed66f9e784e5abf";

    @TempDir
    Path tmp;

    @Test
    void factsOfEachAlgorithm() {
        assertEquals("fsverity-sha256-12", VerityAlgorithm.SHA256_12.repoName());
        assertEquals("fsverity-sha512-12", VerityAlgorithm.SHA512_12.repoName());
        assertEquals(1, VerityAlgorithm.SHA256_12.code(), "FS_VERITY_HASH_ALG_SHA256, ovl_metacopy.digest_algo");
        assertEquals(2, VerityAlgorithm.SHA512_12.code(), "FS_VERITY_HASH_ALG_SHA512");
        assertEquals(32, VerityAlgorithm.SHA256_12.digestSize());
        assertEquals(128, VerityAlgorithm.SHA512_12.hexLength());
        assertEquals(4096, VerityAlgorithm.SHA512_12.blockSize());
        assertSame(VerityAlgorithm.SHA256_12, VerityAlgorithm.DEFAULT, "cfsj's default is what C mkcomposefs writes");
        for (VerityAlgorithm a : VerityAlgorithm.values()) {
            assertSame(a, VerityAlgorithm.fromRepoName(a.repoName()));
            assertSame(a, VerityAlgorithm.fromCode(a.code()));
            assertSame(a, VerityAlgorithm.ofDigestSize(a.digestSize()));
        }
        assertNull(VerityAlgorithm.fromCode(0));
        assertNull(VerityAlgorithm.ofDigestSize(48));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VerityAlgorithm.fromRepoName("fsverity-sha512-16"));
        assertEquals("unsupported fs-verity algorithm 'fsverity-sha512-16' (cfsj supports fsverity-sha256-12 and "
                + "fsverity-sha512-12)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VerityAlgorithm.ofDigest(new byte[33]));
    }

    @Test
    void sha512DigestsMatchFixedVectors() {
        assertEquals(HELLO_SHA512,
                VerityAlgorithm.hex(VerityAlgorithm.SHA512_12.digest("hello world".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(EMPTY_SHA512, VerityAlgorithm.hex(VerityAlgorithm.SHA512_12.digest(new byte[0])));
    }

    @Test
    void sha512DigestsMatchFsverityUtils() throws Exception {
        FsverityUtils.assumeAvailable();
        // sizes around one block, one full level of 64 hashes of 64 bytes, and a two-level tree
        for (int size : new int[] {1, 4096, 4097, 64 * 4096, 64 * 4096 + 1, 3 * 64 * 4096 + 123}) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) (i * 31 + size);
            }
            Path f = tmp.resolve("f" + size);
            Files.write(f, data);
            byte[] expected = FsverityUtils.digest(f, VerityAlgorithm.SHA512_12.params());
            assertEquals(64, expected.length);
            assertArrayEquals(expected, VerityAlgorithm.SHA512_12.digest(data), "size " + size);
            assertArrayEquals(expected, FsVerity.digest(f, VerityAlgorithm.SHA512_12.params(), 2), "file, size " + size);
            assertTrue(!Arrays.equals(expected, 0, 32, VerityAlgorithm.SHA256_12.digest(data), 0, 32));
        }
    }
}
