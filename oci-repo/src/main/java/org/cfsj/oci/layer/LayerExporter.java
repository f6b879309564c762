package org.cfsj.oci.layer;

import java.io.IOException;
import java.io.OutputStream;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.splitstream.SplitStreamFormat;
import org.cfsj.repo.splitstream.SplitStreamReader;

/** Rebuilds a layer's original uncompressed tar, bit for bit, from its splitstream. */
public final class LayerExporter {
    private LayerExporter() {}

    /**
     * Writes the tar of layer {@code diffId} ({@code sha256:<hex>}) to {@code out}; its sha256 is
     * {@code diffId} unless an object was damaged (which {@code cfsj fsck} reports).
     */
    public static void exportLayer(Repository repo, String diffId, OutputStream out) throws IOException {
        String name = LayerImporter.streamName(diffId);
        if (!repo.streams().has(name)) {
            throw new RepositoryException("layer " + diffId + " is not in the repository");
        }
        SplitStreamReader r = SplitStreamReader.open(repo.objects(), repo.streams().require(name)).requireContentType(SplitStreamFormat.CONTENT_OCI_LAYER, "a layer");
        r.writeContent(out);
    }
}
