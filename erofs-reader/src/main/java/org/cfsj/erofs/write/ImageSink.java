package org.cfsj.erofs.write;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Little-endian output with a running position, buffered. The writer plans every offset first
 * and then checks, at the end of each section, that the bytes written match the plan.
 */
final class ImageSink {
    private static final byte[] ZEROS = new byte[4096];

    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private int fill;
    private long position;

    ImageSink(OutputStream out) {
        this.out = out;
    }

    long position() {
        return position;
    }

    void u8(int v) throws IOException {
        if (fill == buf.length) {
            drain();
        }
        buf[fill++] = (byte) v;
        position++;
    }

    void le16(int v) throws IOException {
        u8(v);
        u8(v >>> 8);
    }

    void le32(long v) throws IOException {
        le16((int) v);
        le16((int) (v >>> 16));
    }

    void le64(long v) throws IOException {
        le32(v);
        le32(v >>> 32);
    }

    void bytes(byte[] b) throws IOException {
        bytes(b, 0, b.length);
    }

    void bytes(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (fill == buf.length) {
                drain();
            }
            int n = Math.min(len, buf.length - fill);
            System.arraycopy(b, off, buf, fill, n);
            fill += n;
            off += n;
            len -= n;
            position += n;
        }
    }

    void zeros(long n) throws IOException {
        while (n > 0) {
            int k = (int) Math.min(n, ZEROS.length);
            bytes(ZEROS, 0, k);
            n -= k;
        }
    }

    void align(int alignment) throws IOException {
        zeros(LayoutPlan.roundUp(position, alignment) - position);
    }

    void flush() throws IOException {
        drain();
        out.flush();
    }

    private void drain() throws IOException {
        out.write(buf, 0, fill);
        fill = 0;
    }
}
