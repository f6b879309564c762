package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.cfsj.oci.TestTar;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The gzip framing with each deflate backend: every test runs with the JDK's zlib and with ISA-L
 * (skipped, with a line on stderr, where {@code libisal.so.2} is not installed).
 */
class GzipInputStreamTest {
    /** Incompressible: deflate stores it in stored blocks. */
    private static final byte[] DATA = TestTar.data(300_000, 3);
    /** Compressible (text-like): Huffman-coded blocks with back-references. */
    private static final byte[] TEXT = text(700_000, 5);

    enum Backend {
        JDK,
        ISAL;

        /** Skips the test (loudly) if this backend cannot run here. */
        void assumeAvailable() {
            if (this == ISAL && !IsalLibrary.available()) {
                System.err.println("GzipInputStreamTest: SKIPPING the ISA-L backend: libisal.so.2 is not "
                        + "installed or failed its self-test (apt-get install libisal2)");
                Assumptions.abort("ISA-L (libisal2) is not installed");
            }
        }

        DeflateDecoder decoder() {
            return switch (this) {
                case JDK -> new JdkDeflateDecoder();
                case ISAL -> new IsalDeflateDecoder();
            };
        }
    }

    private static byte[] text(int size, long seed) {
        Random r = new Random(seed);
        String[] words = {"layer", "tar", "gzip", "usr/bin/", "composefs", "\n", "object", "0755 ", "root ", "sha256:"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < size) {
            sb.append(words[r.nextInt(words.length)]).append(r.nextInt(100) < 10 ? Integer.toHexString(r.nextInt()) : "");
        }
        return sb.substring(0, size).getBytes();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        return gzip(data, Deflater.DEFAULT_COMPRESSION);
    }

    private static byte[] gzip(byte[] data, int level) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out) {
            {
                def.setLevel(level);
            }
        }) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** A member with every optional header field (extra, name, comment, header CRC). */
    private static byte[] gzipWithAllHeaderFields(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 1, 2, 3, 4, 0, 3});
        out.writeBytes(new byte[] {5, 0, 'x', 'y', 1, 0, 'z'}); // FEXTRA: one subfield
        out.writeBytes("name.tar\0".getBytes());
        out.writeBytes("a comment\0".getBytes());
        out.writeBytes(new byte[] {0x12, 0x34}); // FHCRC (not checked)
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[data.length + 1024];
        int n = d.deflate(buf);
        out.write(buf, 0, n);
        CRC32 crc = new CRC32();
        crc.update(data);
        writeIntLE(out, crc.getValue());
        writeIntLE(out, data.length);
        return out.toByteArray();
    }

    private static void writeIntLE(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    private static byte[] read(byte[] gz, Backend backend) throws IOException {
        return read(gz, backend, 7);
    }

    /** Reads through a source that hands out at most {@code piece} bytes at a time. */
    private static byte[] read(byte[] gz, Backend backend, int piece) throws IOException {
        InputStream trickle = new ByteArrayInputStream(gz) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, piece));
            }
        };
        try (InputStream in = new GzipInputStream(trickle, backend.decoder())) {
            return in.readAllBytes();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void decompressesWhatCommonsCompressDoes(Backend backend) throws IOException {
        backend.assumeAvailable();
        byte[] gz = concat(gzip(DATA), gzipWithAllHeaderFields(DATA), gzip(new byte[0]), gzip(DATA), gzip(TEXT),
                gzipWithAllHeaderFields(TEXT));
        byte[] expected;
        try (InputStream in = GzipCompressorInputStream.builder().setInputStream(new ByteArrayInputStream(gz))
                .setDecompressConcatenated(true).get()) {
            expected = in.readAllBytes();
        }
        assertArrayEquals(concat(DATA, DATA, DATA, TEXT, TEXT), expected);
        assertArrayEquals(expected, read(gz, backend));
        assertArrayEquals(expected, read(gz, backend, 1));
        try (InputStream in = new GzipInputStream(new ByteArrayInputStream(gz), backend.decoder())) {
            assertArrayEquals(expected, in.readAllBytes()); // in big reads too
        }
    }

    /**
     * Many members of every size (empty, a few bytes, several blocks) at every compression level,
     * read through random input piece sizes: each member's end has to be found exactly, however
     * the decoder buffers input, or the next header is misread.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void decompressesManyMembersReadInRandomPieces(Backend backend) throws IOException {
        backend.assumeAvailable();
        Random r = new Random(11);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 300; i++) {
            int size = switch (i % 4) {
                case 0 -> r.nextInt(4);
                case 1 -> r.nextInt(100);
                case 2 -> r.nextInt(5000);
                default -> r.nextInt(200_000);
            };
            int from = r.nextInt(TEXT.length - size);
            byte[] member = i % 5 == 0 ? Arrays.copyOfRange(DATA, 0, Math.min(size, DATA.length))
                    : Arrays.copyOfRange(TEXT, from, from + size);
            gz.writeBytes(gzip(member, i % 10));
            expected.writeBytes(member);
        }
        byte[] all = gz.toByteArray();
        InputStream randomPieces = new ByteArrayInputStream(all) {
            final Random pieces = new Random(3);

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int piece = pieces.nextBoolean() ? 1 + pieces.nextInt(20) : 1 + pieces.nextInt(100_000);
                return super.read(b, off, Math.min(len, piece));
            }
        };
        byte[] got;
        try (InputStream in = new GzipInputStream(randomPieces, backend.decoder())) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096 + 17];
            for (int n; (n = in.read(buf, 0, 1 + r.nextInt(buf.length))) >= 0; ) {
                out.write(buf, 0, n);
            }
            got = out.toByteArray();
        }
        assertEquals(expected.size(), got.length);
        assertArrayEquals(expected.toByteArray(), got);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void refusesCorruptTruncatedAndTrailingData(Backend backend) throws IOException {
        backend.assumeAvailable();
        for (byte[] content : new byte[][] {DATA, TEXT}) {
            byte[] gz = gzip(content);
            byte[] badCrc = gz.clone();
            badCrc[badCrc.length - 6] ^= 1;
            assertTrue(assertThrows(ZipException.class, () -> read(badCrc, backend)).getMessage().contains("CRC"));
            byte[] badSize = gz.clone();
            badSize[badSize.length - 2] ^= 1;
            assertTrue(assertThrows(ZipException.class, () -> read(badSize, backend)).getMessage().contains("size"));
            assertThrows(EOFException.class, () -> read(Arrays.copyOf(gz, gz.length - 3), backend));
            assertThrows(EOFException.class, () -> read(Arrays.copyOf(gz, gz.length / 2), backend));
            assertThrows(EOFException.class, () -> read(new byte[0], backend));
            var garbage = assertThrows(ZipException.class, () -> read(concat(gz, new byte[] {0, 0, 0, 0}), backend));
            assertTrue(garbage.getMessage().contains("garbage"), garbage.getMessage());
            assertThrows(ZipException.class,
                    () -> read(concat(gz, new byte[] {0x1f, (byte) 0x8b, 7, 0, 0, 0, 0, 0, 0, 0}), backend));
            assertThrows(ZipException.class, () -> read("not gzip at all".getBytes(), backend));
        }
        // Corrupt deflate data: whatever the decoder notices first (an invalid code, a distance
        // too far back, or only the CRC), the stream fails with a ZipException, never wrong bytes.
        byte[] gz = gzip(TEXT);
        Random r = new Random(9);
        for (int i = 0; i < 50; i++) {
            byte[] bad = gz.clone();
            bad[10 + r.nextInt(gz.length - 18)] ^= (byte) (1 + r.nextInt(255));
            assertThrows(ZipException.class, () -> read(bad, backend), "corruption " + i);
        }
    }

    /** Where ISA-L is installed, gzip layers use it: otherwise the speed-up silently disappears. */
    @Test
    void usesIsalWhereInstalled() {
        Assumptions.assumeTrue(IsalLibrary.available(), "ISA-L (libisal2) is not installed");
        try (DeflateDecoder d = DeflateDecoder.create()) {
            assertEquals(System.getProperty("cfsj.inflate") == null ? "ISA-L" : "zlib (JDK)", d.backend());
        }
    }
}
