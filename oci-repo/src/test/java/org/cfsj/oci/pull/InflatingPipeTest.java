package org.cfsj.oci.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.cfsj.oci.source.BlobDigestException;
import org.cfsj.oci.source.Digest;
import org.cfsj.oci.source.VerifyingInputStream;
import org.junit.jupiter.api.Test;

class InflatingPipeTest {
    /** Many pipe chunks of data that compresses, so the producer has to wait for the reader. */
    private static final byte[] DATA = data(InflatingPipe.CHUNK * (InflatingPipe.CHUNKS * 2) + 12345);
    private static final byte[] GZ = gzip(DATA);

    private static byte[] data(int size) {
        byte[] b = new byte[size];
        Random r = new Random(7);
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + r.nextInt(4));
        }
        return b;
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static VerifyingInputStream blob(byte[] bytes, Digest expected) {
        return new VerifyingInputStream(new ByteArrayInputStream(bytes), expected, bytes.length, "blob");
    }

    @Test
    void passesTheDecompressedBytesAndEndsOnlyWhenVerified() throws IOException {
        byte[] gz = GZ;
        VerifyingInputStream blob = blob(gz, Digest.of(gz));
        try (InflatingPipe pipe = new InflatingPipe(blob, blob)) {
            InputStream tar = pipe.tar();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[7777]; // not a divisor of the chunk size
            int n;
            while ((n = tar.read(buf, 0, buf.length)) >= 0) {
                got.write(buf, 0, n);
            }
            assertArrayEquals(DATA, got.toByteArray());
            assertTrue(blob.verified());
            assertEquals(-1, tar.read());
        }
    }

    @Test
    void aTamperedBlobFailsTheReaderInsteadOfEnding() throws IOException {
        byte[] gz = GZ;
        VerifyingInputStream blob = blob(gz, Digest.of(new byte[] {1})); // decompresses fine, wrong digest
        try (InflatingPipe pipe = new InflatingPipe(blob, blob)) {
            InputStream tar = pipe.tar();
            BlobDigestException e = assertThrows(BlobDigestException.class, tar::readAllBytes);
            // and it stays failed: never an end of stream afterwards
            assertSame(e, assertThrows(BlobDigestException.class, tar::read));
        }
    }

    @Test
    void corruptCompressedDataIsReportedAsTheDigestMismatch() throws IOException {
        byte[] gz = GZ;
        byte[] bad = gz.clone();
        bad[bad.length / 2] ^= 0x55;
        VerifyingInputStream blob = blob(bad, Digest.of(gz));
        try (InflatingPipe pipe = new InflatingPipe(blob, blob)) {
            assertThrows(BlobDigestException.class, pipe.tar()::readAllBytes);
        }
    }

    @Test
    void anImporterFailureOnACorruptBlobBecomesTheMismatch() throws IOException {
        byte[] gz = GZ;
        // Same size, other content: the importer fails (here: gives up) long before the end.
        byte[] other = gzip(data(DATA.length - 1));
        VerifyingInputStream blob = blob(other, Digest.of(gz));
        try (InflatingPipe pipe = new InflatingPipe(blob, blob)) {
            pipe.tar().readNBytes(1000);
            IOException symptom = new IOException("bad tar header");
            IOException verdict = pipe.verdict(symptom);
            assertTrue(verdict instanceof BlobDigestException, verdict.toString());
            assertSame(symptom, verdict.getSuppressed()[0]);
        }
    }

    @Test
    void anImporterFailureOnAGoodBlobStaysItself() throws IOException {
        byte[] gz = GZ;
        VerifyingInputStream blob = blob(gz, Digest.of(gz));
        try (InflatingPipe pipe = new InflatingPipe(blob, blob)) {
            pipe.tar().readNBytes(1000);
            IOException symptom = new IOException("hardlink to nowhere");
            assertSame(symptom, pipe.verdict(symptom));
        }
    }

    @Test
    void closingWithoutReadingStopsTheProducer() throws IOException {
        byte[] gz = GZ;
        VerifyingInputStream blob = blob(gz, Digest.of(gz));
        InflatingPipe pipe = new InflatingPipe(blob, blob);
        pipe.close(); // returns only once the producer stopped, which it does with the pipe full
        assertTrue(blob.count() < gz.length, "the producer stopped early");
    }
}
