package org.cfsj.oci.pull;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.cfsj.oci.source.VerifyingInputStream;

/**
 * The decompressed layer as the importer reads it, with one guarantee added: the importer only
 * sees end-of-stream after the whole compressed blob has been read and its digest checked. A
 * decompressor may stop before the end of its input (trailing bytes after the last gzip member
 * or zstd frame), and the importer commits on end-of-stream, so the blob is drained and verified
 * first; on a mismatch the importer gets an exception instead of EOF and links nothing.
 */
final class VerifiedEndStream extends FilterInputStream {
    private final VerifyingInputStream blob;

    VerifiedEndStream(InputStream decompressed, VerifyingInputStream blob) {
        super(decompressed);
        this.blob = blob;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            blob.drainAndVerify();
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            blob.drainAndVerify();
        }
        return n;
    }

    /** Skips by reading, so that the end is always seen through {@link #read(byte[], int, int)}. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 1 << 16)];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }
}
