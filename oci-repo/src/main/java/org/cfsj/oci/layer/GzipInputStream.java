package org.cfsj.oci.layer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * gzip (RFC 1952) decompression straight on {@link Inflater}: every member of a multi-member
 * file (pigz, concatenation), header fields skipped, each member's CRC-32 and size checked, and
 * anything after the last member that is not another member refused, as Go's gzip reader (what
 * registries and Docker use) and commons-compress do. The JDK's {@code GZIPInputStream} would
 * silently ignore such trailing bytes.
 *
 * <p>Why not commons-compress: it feeds the inflater 8 KiB at a time; with 64 KiB a layer
 * decompresses about a tenth faster, and decompressing is the largest single cost of a pull.
 */
final class GzipInputStream extends InputStream {
    private static final int FTEXT_RESERVED = 0xe0;
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;

    private final InputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    /** Compressed input; {@code [pos, limit)} not yet handed to the inflater or the header parser. */
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private long memberSize;
    private boolean eof;
    private boolean closed;

    GzipInputStream(InputStream in) throws IOException {
        this.in = Objects.requireNonNull(in);
        if (!readHeader(true)) {
            throw new EOFException("empty gzip stream");
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        while (!eof) {
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException("corrupt gzip data: " + e.getMessage());
            }
            if (n > 0) {
                crc.update(b, off, n);
                memberSize += n;
                return n;
            }
            if (inflater.finished()) {
                pos = limit - inflater.getRemaining();
                finishMember();
                if (!readHeader(false)) {
                    eof = true;
                }
            } else if (inflater.needsDictionary()) {
                throw new ZipException("corrupt gzip data: a preset dictionary is required");
            } else if (inflater.needsInput()) {
                if (fill() < 0) {
                    throw new EOFException("truncated gzip stream");
                }
                inflater.setInput(buf, pos, limit - pos);
                pos = limit;
            }
        }
        return -1;
    }

    /** Reads the member trailer (CRC-32, size mod 2^32) and checks it. */
    private void finishMember() throws IOException {
        long expectedCrc = readIntLE();
        long expectedSize = readIntLE();
        if (expectedCrc != crc.getValue()) {
            throw new ZipException("corrupt gzip data: CRC-32 mismatch");
        }
        if (expectedSize != (memberSize & 0xffffffffL)) {
            throw new ZipException("corrupt gzip data: size mismatch");
        }
    }

    /**
     * Reads a member header and readies the inflater for it. Returns false at a clean end of
     * input where another member could have started (never for the first member).
     */
    private boolean readHeader(boolean first) throws IOException {
        int id1 = readByte();
        if (id1 < 0) {
            return false;
        }
        int id2 = readByte();
        if (id1 != 0x1f || id2 != 0x8b) {
            throw new ZipException(first ? "not in gzip format" : "garbage after the last gzip member");
        }
        if (readByteOrEof() != 8) {
            throw new ZipException("unsupported gzip compression method");
        }
        int flags = readByteOrEof();
        if ((flags & FTEXT_RESERVED) != 0) {
            throw new ZipException("reserved gzip header flags set");
        }
        skip(6); // mtime, extra flags, OS
        if ((flags & FEXTRA) != 0) {
            skip(readByteOrEof() | readByteOrEof() << 8);
        }
        if ((flags & FNAME) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FCOMMENT) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FHCRC) != 0) {
            skip(2);
        }
        inflater.reset();
        crc.reset();
        memberSize = 0;
        inflater.setInput(buf, pos, limit - pos);
        pos = limit;
        return true;
    }

    private long readIntLE() throws IOException {
        return readByteOrEof() | readByteOrEof() << 8 | readByteOrEof() << 16 | (long) readByteOrEof() << 24;
    }

    private void skipZeroTerminated() throws IOException {
        while (readByteOrEof() != 0) {
            // header text: not needed
        }
    }

    private void skip(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            readByteOrEof();
        }
    }

    private int readByteOrEof() throws IOException {
        int c = readByte();
        if (c < 0) {
            throw new EOFException("truncated gzip stream");
        }
        return c;
    }

    /** A byte of input outside deflate data (header, trailer), or -1 at the end. */
    private int readByte() throws IOException {
        if (pos == limit && fill() < 0) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /** Refills the (fully consumed) buffer; -1 at the end of input. */
    private int fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            return -1;
        }
        pos = 0;
        limit = n;
        return n;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            inflater.end();
            in.close();
        }
    }
}
