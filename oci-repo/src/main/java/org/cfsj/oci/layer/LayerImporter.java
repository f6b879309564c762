package org.cfsj.oci.layer;

import java.io.IOException;
import java.io.InputStream;
import org.cfsj.repo.Repository;

/**
 * Imports an uncompressed layer tar into the repository: regular file contents larger than
 * {@link TarLayout#INLINE_MAX} bytes become objects (named by fs-verity digest, so shared files
 * are stored once); everything else (headers, extension records, small contents, padding, the
 * end-of-archive blocks and anything after them) stays inline in the layer splitstream, so the
 * tar can be rebuilt bit for bit ({@link LayerExporter}). The splitstream gets the name
 * {@code oci-layer-<diffId>}.
 *
 * <p>Checks, before anything is linked: the sha256 of the bytes read equals {@code diffId}; the
 * tar is complete and well-formed; no path escapes the root ({@code ..}) or passes through a
 * symlink; every hardlink names an earlier entry of the same layer; names, symlink targets and
 * xattrs are ones an image can hold ({@link org.cfsj.tree.Limits}); PAX headers and the layer's
 * xattrs stay within {@link TarHeaderParser}'s bounds, so the import is linear in the tar's size.
 * On failure the objects
 * already written stay unreferenced (gc removes them) and no name is linked.
 *
 * <p>Tar headers are parsed by cfsj's own parser ({@link TarHeaderParser}: ustar, PAX incl.
 * xattrs, GNU long names/links), because the raw blocks must be kept exactly; gzip by {@link
 * GzipInputStream}.
 */
public final class LayerImporter {
    private LayerImporter() {}

    /** The splitstream name of a layer: {@code oci-layer-sha256:<hex>}. */
    public static String streamName(String diffId) {
        return "oci-layer-" + diffId;
    }

    /**
     * Imports an uncompressed tar. If the layer is already in the repository, returns at once
     * without reading {@code tar} (the caller closes it). Takes the repository lock shared.
     *
     * @param diffId {@code sha256:<64 hex>}, the digest the tar must have
     * @throws BadLayerException on a digest mismatch or a bad tar (nothing linked)
     */
    public static LayerImport importLayer(Repository repo, InputStream tar, String diffId) throws IOException {
        return new TarImport(repo, diffId).run(tar);
    }

    /**
     * A layer import and the layer's tree as the import built it, which is the tree {@link
     * LayerTrees#read} would rebuild from the stored splitstream; so an image can be built right
     * after a pull without reading its layers back.
     *
     * @param tree null if the layer was already present (nothing was read)
     */
    public record Imported(LayerImport result, LayerTree tree) {}

    /** {@link #importLayer}, also returning the layer's tree. */
    public static Imported importLayerWithTree(Repository repo, InputStream tar, String diffId) throws IOException {
        return new TarImport(repo, diffId).runWithTree(tar);
    }

    /**
     * Imports a layer blob as downloaded: gzip, zstd or plain, detected by magic bytes
     * ({@link Compression}). The blob's own (compressed) digest is the caller's to check. Closes
     * {@code blob} when it was read: the decompressor's native state is freed only by a close.
     */
    public static LayerImport importBlob(Repository repo, InputStream blob, String diffId) throws IOException {
        if (repo.streams().has(streamName(diffId))) {
            return TarImport.present(repo, diffId);
        }
        try (InputStream tar = Compression.decompress(blob)) {
            return importLayer(repo, tar, diffId);
        }
    }
}
