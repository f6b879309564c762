package org.cfsj.tree;

import org.cfsj.verity.VerityAlgorithm;

/**
 * A regular file. Either its content is inline ({@link #content()} non-null, length == size),
 * or it lives outside the image: {@link #payload()} is the backing path relative to the object
 * directory (composefs's overlay redirect) and {@link #digest()} its fs-verity digest, either
 * of which may be absent. A digest is a sha256 (32 bytes) or sha512 (64 bytes) fs-verity digest.
 */
public final class RegularFile implements Node {
    private Metadata meta;
    private final long size;
    private final byte[] content;
    private final String payload;
    private final byte[] digest;

    public RegularFile(Metadata meta, long size, byte[] content, String payload, byte[] digest) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size");
        }
        if (content != null && content.length != size) {
            throw new IllegalArgumentException("content length " + content.length + " != size " + size);
        }
        if (digest != null) {
            VerityAlgorithm.ofDigest(digest); // a sha256 or sha512 fs-verity digest, nothing else
        }
        this.meta = meta;
        this.size = size;
        this.content = content == null ? null : content.clone();
        this.payload = payload;
        this.digest = digest == null ? null : digest.clone();
    }

    public static RegularFile inline(Metadata meta, byte[] content) {
        return new RegularFile(meta, content.length, content, null, null);
    }

    public static RegularFile external(Metadata meta, long size, String payload, byte[] digest) {
        return new RegularFile(meta, size, null, payload, digest);
    }

    @Override
    public Metadata meta() {
        return meta;
    }

    @Override
    public void setMeta(Metadata meta) {
        this.meta = meta;
    }

    @Override
    public int typeBits() {
        return S_IFREG;
    }

    public long size() {
        return size;
    }

    /** Inline content, or null when the file is external (or has no recorded content). */
    public byte[] content() {
        return content == null ? null : content.clone();
    }

    public boolean hasContent() {
        return content != null;
    }

    /** Backing path relative to the object directory (ISO-8859-1 bytes), or null. */
    public String payload() {
        return payload;
    }

    /** fs-verity digest (32 bytes for sha256, 64 for sha512: {@link VerityAlgorithm#ofDigest}), or null. */
    public byte[] digest() {
        return digest == null ? null : digest.clone();
    }
}
