package org.cfsj.oci.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where an image comes from: a registry, an OCI layout directory or archive, a docker-archive.
 * Every byte handed out has been (manifests, {@link #readBlob}) or will be, at end of stream
 * ({@link #openBlob}), checked against its sha256 digest.
 *
 * <p>Implementations are safe for concurrent {@link #openBlob} calls (layers download in parallel).
 */
public interface ImageSource extends AutoCloseable {
    /** The source as the user named it, for messages. */
    String describe();

    /** The manifest or index the reference names, with its digest verified. */
    RawManifest fetchReferenced() throws IOException;

    /** A manifest named by a descriptor (an index entry), verified against the descriptor's digest. */
    RawManifest fetchManifest(Descriptor descriptor) throws IOException;

    /**
     * Opens a blob. The stream is a {@link VerifyingInputStream}: it throws
     * {@link BlobDigestException} at end of stream if the bytes were not the descriptor's, so
     * read it to the end before committing anything derived from it.
     */
    VerifyingInputStream openBlob(Descriptor descriptor) throws IOException;

    /**
     * Resolves the reference to one image manifest: follows an index to the entry for
     * {@code platform} (variant included).
     */
    default ResolvedImage resolveManifest(Platform platform) throws IOException {
        RawManifest top = fetchReferenced();
        if (!top.isIndex()) {
            return new ResolvedImage(top, ImageManifest.parse(top), java.util.Optional.empty());
        }
        Descriptor entry = IndexSelector.select(top, platform);
        RawManifest manifest = fetchManifest(entry);
        if (manifest.isIndex()) {
            throw new ManifestException("index " + top.digest() + " points to another index for " + platform + "; nested indexes are not supported");
        }
        return new ResolvedImage(manifest, ImageManifest.parse(manifest), java.util.Optional.of(top));
    }

    /** Reads a small blob (a config) completely and verifies it before returning it. */
    default byte[] readBlob(Descriptor descriptor, long maxSize) throws IOException {
        if (descriptor.size() > maxSize) {
            throw new ManifestException("blob " + descriptor.digest() + " is " + descriptor.size() + " bytes, more than the " + maxSize + " allowed here");
        }
        try (VerifyingInputStream in = openBlob(descriptor)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(descriptor.size(), 0));
            in.transferTo(out);
            return out.toByteArray(); // transferTo read to EOF, so the digest was checked
        }
    }

    @Override
    void close() throws IOException;

    /** Reads a manifest completely, refusing absurd sizes. */
    static byte[] readBounded(InputStream in, long max, String what) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
            if (total > max) {
                throw new ManifestException(what + ": larger than " + max + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
