package org.cfsj.repo.splitstream;

import java.nio.charset.StandardCharsets;

/**
 * Constants of the splitstream file format as composefs-rs documents it (doc/splitstream.md):
 * all integers little-endian.
 *
 * <pre>
 * header (32 bytes): magic "SplitStream"[11] | version u8 = 0 | flags u16 = 0 |
 *                    algorithm u8 (1 = sha256, 2 = sha512: the repository's) | lg_blocksize u8 (12) |
 *                    info FileRange
 * info (80 bytes):   stream_refs, object_refs, stream, named_refs (FileRange each) |
 *                    content_type u64 | stream_size u64
 * FileRange:         start u64 | end u64   (absolute byte offsets, [start, end))
 * stream_refs, object_refs: flat arrays of digests (32 or 64 bytes: the algorithm's)
 * stream:     zstd; chunks of i64 n: n &lt; 0 -&gt; |n| inline bytes follow; n &gt;= 0 -&gt; object_refs[n]
 * named_refs: zstd; "index:name\0" records, sorted by name
 * </pre>
 *
 * cfsj writes the sections in the order header, info, stream_refs, object_refs, stream,
 * named_refs.
 */
public final class SplitStreamFormat {
    public static final byte[] MAGIC = "SplitStream".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 0;
    public static final int HEADER_SIZE = 32;
    public static final int INFO_SIZE = 80;

    /** Content types: 8 ASCII bytes read as a little-endian u64, the same values composefs-rs uses. */
    public static final long CONTENT_OCI_LAYER = asciiType("ocilayer");
    public static final long CONTENT_OCI_CONFIG = asciiType("ociconfg");
    public static final long CONTENT_OCI_MANIFEST = asciiType("ocimanif");
    public static final long CONTENT_OCI_BLOB = asciiType("oci_blob");

    /** zstd level for the stream and named refs: fixed, so the same input gives the same bytes. */
    static final int ZSTD_LEVEL = 3;

    private SplitStreamFormat() {}

    static long asciiType(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length != 8) {
            throw new IllegalArgumentException("content type must be 8 ASCII bytes: " + s);
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /** Whether {@code head} (at least the first 11 bytes of a file) starts with the magic. */
    public static boolean hasMagic(byte[] head) {
        return head.length >= MAGIC.length && java.util.Arrays.equals(head, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }
}
