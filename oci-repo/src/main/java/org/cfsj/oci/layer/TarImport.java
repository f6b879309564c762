package org.cfsj.oci.layer;

import java.io.IOException;
import java.io.InputStream;
import org.cfsj.repo.Repository;

/** One layer import in progress (see {@link LayerImporter}). */
final class TarImport {
    private final Repository repo;
    private final String diffId;

    TarImport(Repository repo, String diffId) {
        this.repo = repo;
        this.diffId = diffId;
    }

    static LayerImport present(Repository repo, String diffId) throws IOException {
        String name = LayerImporter.streamName(diffId);
        return new LayerImport(diffId, name, repo.streamId(name).orElseThrow(), true, 0, 0, 0, 0);
    }

    LayerImport run(InputStream tar) throws IOException {
        throw new UnsupportedOperationException("layer import: in progress");
    }
}
