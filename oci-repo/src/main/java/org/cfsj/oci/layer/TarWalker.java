package org.cfsj.oci.layer;

import java.io.IOException;

/**
 * Walks a tar block by block. Where the bytes come from, and where they go, is the {@link
 * Input}'s business: the importer reads a raw stream and splits it into a splitstream; the tree
 * reader replays a splitstream. Both decide the same way which contents are external (regular
 * files above {@link TarLayout#INLINE_MAX}), so they see the same chunk boundaries.
 */
final class TarWalker {
    /**
     * The source of the tar's bytes.
     *
     * @param <R> what stands for a stored file content: an object id, or one being stored
     */
    interface Input<R> {
        /** Reads up to {@code len} bytes of inline data; fewer only at the end of the tar. */
        int readInline(byte[] buf, int off, int len) throws IOException;

        /** The content of a large regular file, {@code size} bytes, as one object. */
        R readExternal(long size, TarEntry entry) throws IOException;

        /** Everything after the end-of-archive block (more zero blocks, padding, garbage). */
        void readTrailer() throws IOException;
    }

    /** Receives members in archive order. */
    interface Visitor<R> {
        /**
         * @param inline   content of a small regular file (empty array for other kinds)
         * @param external object holding a large regular file's content, else null
         */
        void member(TarEntry entry, byte[] inline, R external) throws IOException;
    }

    private static final byte[] NO_CONTENT = new byte[0];

    private TarWalker() {}

    /** Walks the whole tar; returns the number of members. */
    static <R> long walk(Input<R> in, Visitor<R> visitor) throws IOException {
        TarHeaderParser parser = new TarHeaderParser();
        byte[] block = new byte[TarLayout.BLOCK];
        long offset = 0;
        long members = 0;
        while (true) {
            int n = readFully(in, block, TarLayout.BLOCK);
            if (n == 0) {
                throw new BadLayerException("truncated tar: it ends at byte " + offset
                        + " without the end-of-archive blocks");
            }
            if (n < TarLayout.BLOCK) {
                throw new BadLayerException("truncated tar: partial header block at byte " + offset);
            }
            if (isZero(block)) {
                if (parser.pendingExtension()) {
                    throw new BadLayerException("bad tar at byte " + offset + ": extension header without a member");
                }
                in.readTrailer();
                return members;
            }
            TarHeaderParser.Header h = parser.parse(block, offset);
            long headerAt = offset;
            offset += TarLayout.BLOCK;
            switch (h) {
                case TarHeaderParser.Header.Extension ext -> {
                    byte[] data = readExactly(in, (int) ext.size(), headerAt);
                    skipPadding(in, ext.size(), headerAt);
                    offset += ext.size() + TarLayout.padding(ext.size());
                    parser.acceptExtension(ext.type(), data, headerAt);
                }
                case TarHeaderParser.Header.Member m -> {
                    TarEntry e = m.entry();
                    long size = e.dataSize();
                    byte[] inline = NO_CONTENT;
                    R external = null;
                    if (size > TarLayout.INLINE_MAX) {
                        external = in.readExternal(size, e);
                    } else if (size > 0) {
                        inline = readExactly(in, (int) size, headerAt);
                    }
                    skipPadding(in, size, headerAt);
                    offset += size + TarLayout.padding(size);
                    members++;
                    visitor.member(e, inline, external);
                }
            }
        }
    }

    private static int readFully(Input<?> in, byte[] buf, int len) throws IOException {
        int got = 0;
        while (got < len) {
            int n = in.readInline(buf, got, len - got);
            if (n <= 0) {
                break;
            }
            got += n;
        }
        return got;
    }

    private static byte[] readExactly(Input<?> in, int len, long headerAt) throws IOException {
        byte[] b = new byte[len];
        if (readFully(in, b, len) != len) {
            throw new BadLayerException("truncated tar: content of the member at byte " + headerAt + " is cut off");
        }
        return b;
    }

    private static void skipPadding(Input<?> in, long size, long headerAt) throws IOException {
        int pad = (int) TarLayout.padding(size);
        if (pad > 0) {
            byte[] b = new byte[pad];
            if (readFully(in, b, pad) != pad) {
                throw new BadLayerException("truncated tar: padding of the member at byte " + headerAt + " is cut off");
            }
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
