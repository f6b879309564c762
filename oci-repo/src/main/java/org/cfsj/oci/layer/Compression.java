package org.cfsj.oci.layer;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * How a layer blob is compressed, told by its first bytes (media types are not trusted: Docker
 * and some registries mislabel them). This module owns the detection; the network side hands
 * the raw blob stream to {@link #decompress(InputStream)} (or to {@link
 * LayerImporter#importBlob}).
 */
public enum Compression {
    GZIP,
    ZSTD,
    NONE;

    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    /** Detects the compression from the first bytes of a stream (at least 4 for zstd). */
    public static Compression detect(byte[] head, int len) {
        if (len >= 2 && head[0] == GZIP_MAGIC[0] && head[1] == GZIP_MAGIC[1]) {
            return GZIP;
        }
        if (len >= 4 && head[0] == ZSTD_MAGIC[0] && head[1] == ZSTD_MAGIC[1] && head[2] == ZSTD_MAGIC[2]
                && head[3] == ZSTD_MAGIC[3]) {
            return ZSTD;
        }
        return NONE;
    }

    /**
     * Wraps {@code raw} so that it reads the uncompressed tar: gzip (every member of a
     * multi-member file), zstd (every frame), or the bytes as they are.
     */
    public static InputStream decompress(InputStream raw) throws IOException {
        BufferedInputStream in = raw instanceof BufferedInputStream b ? b : new BufferedInputStream(raw, 1 << 16);
        in.mark(4);
        byte[] head = in.readNBytes(4);
        in.reset();
        return switch (detect(head, head.length)) {
            case GZIP -> new GzipInputStream(in);
            case ZSTD -> new ZstdInputStreamNoFinalizer(in).setContinuous(false);
            case NONE -> in;
        };
    }
}
