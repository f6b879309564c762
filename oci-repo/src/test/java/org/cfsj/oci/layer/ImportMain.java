package org.cfsj.oci.layer;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.repo.Repository;

/** A separate process importing one layer: {@code ImportMain REPO TAR DIFFID} (for the concurrency test). */
public final class ImportMain {
    public static void main(String[] args) throws Exception {
        Repository repo = Repository.open(Path.of(args[0]));
        try (InputStream in = Files.newInputStream(Path.of(args[1]))) {
            LayerImport r = LayerImporter.importLayer(repo, in, args[2]);
            System.out.println(r.streamId());
        }
    }
}
