package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.cfsj.oci.TestTar;
import org.junit.jupiter.api.Test;

class GzipInputStreamTest {
    private static final byte[] DATA = TestTar.data(300_000, 3);

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
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

    private static byte[] read(byte[] gz) throws IOException {
        // A source that hands out a few bytes at a time: headers and trailers straddle refills.
        InputStream trickle = new ByteArrayInputStream(gz) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 7));
            }
        };
        try (InputStream in = new GzipInputStream(trickle)) {
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

    @Test
    void decompressesWhatCommonsCompressDoes() throws IOException {
        byte[] gz = concat(gzip(DATA), gzipWithAllHeaderFields(DATA), gzip(new byte[0]), gzip(DATA));
        byte[] expected;
        try (InputStream in = GzipCompressorInputStream.builder().setInputStream(new ByteArrayInputStream(gz))
                .setDecompressConcatenated(true).get()) {
            expected = in.readAllBytes();
        }
        assertArrayEquals(concat(DATA, DATA, DATA), expected);
        assertArrayEquals(expected, read(gz));
        try (InputStream in = new GzipInputStream(new ByteArrayInputStream(gz))) {
            assertArrayEquals(expected, in.readAllBytes()); // in big reads too
        }
    }

    @Test
    void refusesCorruptTruncatedAndTrailingData() throws IOException {
        byte[] gz = gzip(DATA);
        byte[] badCrc = gz.clone();
        badCrc[badCrc.length - 6] ^= 1;
        assertTrue(assertThrows(ZipException.class, () -> read(badCrc)).getMessage().contains("CRC"));
        byte[] badSize = gz.clone();
        badSize[badSize.length - 2] ^= 1;
        assertTrue(assertThrows(ZipException.class, () -> read(badSize)).getMessage().contains("size"));
        byte[] badData = gz.clone();
        badData[gz.length / 2] ^= 0x5a;
        assertThrows(ZipException.class, () -> read(badData));
        assertThrows(EOFException.class, () -> read(Arrays.copyOf(gz, gz.length - 3)));
        assertThrows(EOFException.class, () -> read(Arrays.copyOf(gz, gz.length / 2)));
        assertThrows(EOFException.class, () -> read(new byte[0]));
        var garbage = assertThrows(ZipException.class, () -> read(concat(gz, new byte[] {0, 0, 0, 0})));
        assertTrue(garbage.getMessage().contains("garbage"), garbage.getMessage());
        assertThrows(ZipException.class, () -> read(concat(gz, new byte[] {0x1f, (byte) 0x8b, 7, 0, 0, 0, 0, 0, 0, 0})));
        assertThrows(ZipException.class, () -> read("not gzip at all".getBytes()));
    }
}
