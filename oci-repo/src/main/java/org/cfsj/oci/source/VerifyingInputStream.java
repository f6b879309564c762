package org.cfsj.oci.source;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import org.cfsj.digest.HashContext;

/**
 * Passes a blob through while hashing it, and refuses to report end-of-stream unless the bytes
 * had the expected sha256 (and size, when known): a consumer that reads to EOF before committing
 * anything can therefore never commit content from a tampered blob. Reading past the expected
 * size fails at once, so a hostile server cannot stream forever.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final Digest expected;
    private final long expectedSize;
    private final String what;
    private final HashContext sha256 = HashContext.sha256();
    private long count;
    private boolean verified;

    /**
     * @param expectedSize the descriptor's size, or -1 when the source does not know it
     * @param what names the blob in error messages
     */
    public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String what) {
        super(in);
        this.expected = expected;
        this.expectedSize = expectedSize;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = in.read(b, off, len);
        if (n < 0) {
            verifyAtEnd();
            return -1;
        }
        count += n;
        if (expectedSize >= 0 && count > expectedSize) {
            throw new BlobDigestException(what + ": more than the " + expectedSize + " bytes its descriptor declares");
        }
        sha256.update(b, off, n);
        return n;
    }

    private void verifyAtEnd() throws IOException {
        if (verified) {
            return;
        }
        if (expectedSize >= 0 && count != expectedSize) {
            throw new BlobDigestException(
                    what + ": truncated: " + count + " bytes of the " + expectedSize + " its descriptor declares");
        }
        String actual = HexFormat.of().formatHex(sha256.digest());
        if (!actual.equals(expected.hex())) {
            throw new BlobDigestException(
                    what + ": digest mismatch: expected " + expected + ", got sha256:" + actual);
        }
        verified = true;
    }

    /** Reads whatever is left and verifies; for consumers that may stop before EOF (tar end markers). */
    public void drainAndVerify() throws IOException {
        byte[] buf = new byte[65536];
        while (read(buf, 0, buf.length) >= 0) {
            // discard: only the digest matters now
        }
    }

    /** True once EOF was reached with matching digest and size. */
    public boolean verified() {
        return verified;
    }

    /** Bytes passed through so far. */
    public long count() {
        return count;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes must still be hashed.
        byte[] buf = new byte[(int) Math.min(n, 65536)];
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

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {}

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }
}
