package org.cfsj.oci.layer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.zip.ZipException;

/**
 * gzip (RFC 1952) decompression on a {@link DeflateDecoder} (ISA-L when installed, else the JDK's
 * zlib): every member of a multi-member file (pigz, concatenation), header fields skipped, each
 * member's CRC-32 and size checked, and anything after the last member that is not another member
 * refused, as Go's gzip reader (what registries and Docker use) and commons-compress do. The JDK's
 * {@code GZIPInputStream} would silently ignore such trailing bytes. The framing is parsed here,
 * not by the decoder, so that both decoders accept and refuse the same files.
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
    private final DeflateDecoder decoder;
    /**
     * Compressed input: {@code [pos, limit)} not yet handed to the decoder or the header parser,
     * and up to {@link DeflateDecoder#HISTORY} bytes before {@code pos} kept for the decoder.
     */
    private final byte[] buf = new byte[DeflateDecoder.INPUT_WINDOW];
    private int pos;
    private int limit;
    private long memberSize;
    private boolean eof;
    private boolean closed;

    GzipInputStream(InputStream in) throws IOException {
        this(in, DeflateDecoder.create());
    }

    /** Decompresses {@code in} with {@code decoder}, which this stream closes. */
    GzipInputStream(InputStream in, DeflateDecoder decoder) throws IOException {
        this.in = Objects.requireNonNull(in);
        this.decoder = Objects.requireNonNull(decoder);
        try {
            if (!readHeader(true)) {
                throw new EOFException("empty gzip stream");
            }
        } catch (IOException | RuntimeException e) {
            decoder.close();
            throw e;
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
            int n = decoder.inflate(b, off, len);
            if (n > 0) {
                memberSize += n;
                return n;
            }
            if (decoder.finished()) {
                // may lie before the last input handed over: see DeflateDecoder
                pos = limit - decoder.remaining();
                finishMember();
                if (!readHeader(false)) {
                    eof = true;
                }
            } else if (decoder.needsInput()) {
                pos = limit - decoder.remaining();
                if (fill() < 0) {
                    throw new EOFException("truncated gzip stream");
                }
                decoder.setInput(buf, pos, limit - pos);
                pos = limit;
            }
        }
        return -1;
    }

    /** Reads the member trailer (CRC-32, size mod 2^32) and checks it. */
    private void finishMember() throws IOException {
        long expectedCrc = readIntLE();
        long expectedSize = readIntLE();
        if (expectedCrc != decoder.crc()) {
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
        decoder.startMember();
        memberSize = 0;
        decoder.setInput(buf, pos, limit - pos);
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

    /**
     * Reads more input after {@code [pos, limit)}, first moving that and the history before it to
     * the front of the buffer; -1 at the end of input.
     */
    private int fill() throws IOException {
        int keepFrom = Math.max(0, pos - DeflateDecoder.HISTORY);
        System.arraycopy(buf, keepFrom, buf, 0, limit - keepFrom);
        pos -= keepFrom;
        limit -= keepFrom;
        if (limit == buf.length) {
            throw new IOException("gzip decoder stalled with a full input buffer");
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) {
            return -1;
        }
        limit += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            try {
                in.close();
            } finally {
                decoder.close();
            }
        }
    }
}
