package org.cfsj.oci.layer;

import java.io.IOException;
import org.cfsj.repo.Repository;

/** Rebuilds the file tree of an imported layer from its splitstream (nothing is cached at import). */
public final class LayerTrees {
    private LayerTrees() {}

    /**
     * The tree of layer {@code diffId} as its tar describes it: whiteout files ({@code .wh.*})
     * are kept as entries for the merge to interpret; directories the tar did not list (only
     * implied by deeper paths) are marked in {@link LayerTree#implicitDirs()}.
     */
    public static LayerTree read(Repository repo, String diffId) throws IOException {
        throw new UnsupportedOperationException("layer tree: in progress");
    }
}
