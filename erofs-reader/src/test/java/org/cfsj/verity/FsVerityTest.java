package org.cfsj.verity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks every way of computing a digest (one-shot, sequential file read, parallel file read with
 * several thread counts, streaming in odd pieces) against {@code fsverity digest} from
 * fsverity-utils, over sizes around block and tree-level boundaries.
 */
class FsVerityTest {
    private static final String EMPTY_SHA256 = "3d248ca542a24fc62d1c43b916eae5016878e2533c88238480b26128a1f1af95";
    private static final String HELLO_SHA256 = "1e2eaa4202d750a41174ee454970b92c1bc2f925b1e35076d8c7d5f56362ba64";
    private static final int MiB = 1024 * 1024;

    @TempDir
    Path dir;

    /**
     * The JDK's SHA-256 and OpenSSL's (the default where installed) give the same fs-verity
     * digests, whichever way they are computed: in memory, from a file sequentially, from a file in
     * parallel (over 8 MiB), salted.
     */
    @Test
    void sameDigestsWithTheJdksSha256() throws IOException {
        Random r = new Random(11);
        FsVerityParams salted = new FsVerityParams(HashAlgorithm.SHA256, 4096, HexFormat.of().parseHex("0011223344"));
        for (int size : new int[] {0, 1, 4095, 4096, 4097, 128 * 4096 + 1, 3 * MiB + 5, 9 * MiB + 4097}) {
            byte[] data = new byte[size];
            r.nextBytes(data);
            Path file = Files.write(dir.resolve("f" + size), data);
            byte[][] byDefault = digestsEveryWay(data, file, salted);
            String before = System.getProperty("cfsj.sha256");
            System.setProperty("cfsj.sha256", "jdk");
            byte[][] byJdk;
            try {
                byJdk = digestsEveryWay(data, file, salted);
            } finally {
                if (before == null) {
                    System.clearProperty("cfsj.sha256");
                } else {
                    System.setProperty("cfsj.sha256", before);
                }
            }
            for (int i = 0; i < byDefault.length; i++) {
                assertArrayEquals(byJdk[i], byDefault[i], size + " bytes, way " + i);
            }
            assertArrayEquals(byDefault[0], byDefault[1], size + " bytes: memory vs sequential file");
            assertArrayEquals(byDefault[0], byDefault[2], size + " bytes: memory vs parallel file");
        }
        assertEquals(HELLO_SHA256, FsVerity.toHex(FsVerity.digest("hello world".getBytes(StandardCharsets.US_ASCII))));
    }

    private static byte[][] digestsEveryWay(byte[] data, Path file, FsVerityParams salted) throws IOException {
        return new byte[][] {
            FsVerity.digest(data),
            FsVerity.digest(file, FsVerityParams.DEFAULT, 1),
            FsVerity.digest(file, FsVerityParams.DEFAULT, 3),
            FsVerity.digest(file, salted, 2),
        };
    }

    @Test
    void emptyDataHasTheKnownDigest() {
        assertEquals(EMPTY_SHA256, FsVerity.toHex(FsVerity.digest(new byte[0])));
    }

    @Test
    void helloWorldHasTheKnownDigest() throws IOException {
        byte[] data = "hello world".getBytes(StandardCharsets.US_ASCII);
        assertEquals(HELLO_SHA256, FsVerity.toHex(FsVerity.digest(data)));
        Path f = Files.write(dir.resolve("hello"), data);
        assertEquals(HELLO_SHA256, FsVerity.toHex(FsVerity.digest(f)));
    }

    @Test
    void emptyFileHasTheKnownDigest() throws IOException {
        Path f = Files.createFile(dir.resolve("empty"));
        assertEquals(EMPTY_SHA256, FsVerity.toHex(FsVerity.digest(f)));
        assertEquals(EMPTY_SHA256, FsVerity.toHex(FsVerity.digest(f, HashAlgorithm.SHA256, 4096, 2)));
    }

    @Test
    void objectPathSplitsAfterTheFirstByte() {
        byte[] d = HexFormat.of().parseHex(EMPTY_SHA256);
        assertEquals("3d/248ca542a24fc62d1c43b916eae5016878e2533c88238480b26128a1f1af95", FsVerity.objectPath(d));
    }

    static Stream<Arguments> cases() {
        FsVerityParams sha256 = FsVerityParams.DEFAULT;
        FsVerityParams sha512 = new FsVerityParams(HashAlgorithm.SHA512, 4096);
        FsVerityParams small256 = new FsVerityParams(HashAlgorithm.SHA256, 1024);
        FsVerityParams small512 = new FsVerityParams(HashAlgorithm.SHA512, 1024);
        FsVerityParams large256 = new FsVerityParams(HashAlgorithm.SHA256, 65536);
        FsVerityParams large512 = new FsVerityParams(HashAlgorithm.SHA512, 65536);
        FsVerityParams salted = new FsVerityParams(HashAlgorithm.SHA256, 4096, HexFormat.of().parseHex("deadbeef"));
        FsVerityParams salted512 = new FsVerityParams(HashAlgorithm.SHA512, 4096, bytes(32, 7));
        Stream.Builder<Arguments> b = Stream.builder();
        // Around data-block and tree-level boundaries (128 SHA-256 hashes per 4 KiB block),
        // plus sizes that take the parallel path with several chunks per thread.
        for (long size : new long[] {0, 1, 4095, 4096, 4097, 128 * 4096 + 1, 129 * 4096,
                                     5 * MiB + 123, 20 * MiB + 7}) {
            b.add(Arguments.of(size, sha256));
        }
        for (long size : new long[] {1, 4097, 64 * 4096, 64 * 4096 + 1, 5 * MiB + 1}) {
            b.add(Arguments.of(size, sha512));
        }
        for (long size : new long[] {1025, 32 * 1024 + 1, 5 * MiB}) {
            b.add(Arguments.of(size, small256));
            b.add(Arguments.of(size, small512));
        }
        for (long size : new long[] {65536, 65537, 20 * MiB + 4096}) {
            b.add(Arguments.of(size, large256));
            b.add(Arguments.of(size, large512));
        }
        for (long size : new long[] {0, 4097, 129 * 4096}) {
            b.add(Arguments.of(size, salted));
            b.add(Arguments.of(size, salted512));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} bytes, {1}")
    @MethodSource("cases")
    void everyPathAgreesWithFsverityUtils(long size, FsVerityParams params) throws Exception {
        FsverityUtils.assumeAvailable();
        Path f = randomFile(size);
        byte[] expected = FsverityUtils.digest(f, params);
        String want = FsVerity.toHex(expected);

        assertEquals(want, FsVerity.toHex(FsVerity.digest(f, params, 1)), "sequential");
        assertEquals(want, FsVerity.toHex(FsVerity.digest(f, params, 0)), "default threads");
        for (int threads : new int[] {2, 3}) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                assertEquals(want, FsVerity.toHex(FileDigest.parallel(ch, size, params, threads)),
                        "parallel, " + threads + " threads");
            }
        }
        if (size <= 1 * MiB) {
            FsVerityHasher h = new FsVerityHasher(params);
            h.update(Files.readAllBytes(f), 0, (int) size);
            assertArrayEquals(expected, h.finish(), "one-shot hasher");
        }
        if (params.equals(FsVerityParams.DEFAULT) && size <= 1 * MiB) {
            assertEquals(want, FsVerity.toHex(FsVerity.digest(Files.readAllBytes(f))), "byte[] digest");
        }
    }

    @Test
    void fourArgumentDigestHonoursAlgorithmAndBlockSize() throws Exception {
        FsverityUtils.assumeAvailable();
        Path f = randomFile(3 * 4096 + 5);
        assertArrayEquals(
                FsverityUtils.digest(f, new FsVerityParams(HashAlgorithm.SHA512, 2048)),
                FsVerity.digest(f, HashAlgorithm.SHA512, 2048, 1));
    }

    @Test
    void directoryIsAClearError() {
        FileSystemException e = assertThrows(FileSystemException.class, () -> FsVerity.digest(dir));
        assertEquals(dir + ": is a directory", e.getMessage());
    }

    @Test
    void missingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> FsVerity.digest(dir.resolve("nope")));
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new FsVerityParams(HashAlgorithm.SHA256, 512));
        assertThrows(IllegalArgumentException.class, () -> new FsVerityParams(HashAlgorithm.SHA256, 3000));
        assertThrows(IllegalArgumentException.class, () -> new FsVerityParams(HashAlgorithm.SHA256, 131072));
        assertThrows(IllegalArgumentException.class, () -> new FsVerityParams(HashAlgorithm.SHA256, 4096, new byte[33]));
        assertThrows(IllegalArgumentException.class, () -> HashAlgorithm.fromName("md5"));
        assertEquals(HashAlgorithm.SHA512, HashAlgorithm.fromName("SHA512"));
    }

    private Path randomFile(long size) throws IOException {
        Path f = dir.resolve("data-" + size);
        Random r = new Random(size);
        byte[] buf = new byte[MiB];
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(left, buf.length);
                r.nextBytes(buf);
                ch.write(ByteBuffer.wrap(buf, 0, n));
                left -= n;
            }
        }
        return f;
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
