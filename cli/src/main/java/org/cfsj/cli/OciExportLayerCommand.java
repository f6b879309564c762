package org.cfsj.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import org.cfsj.oci.layer.LayerExporter;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.sys.FileCalls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code cfsj oci export-layer NAME DIGEST}: writes a layer's original uncompressed tar to stdout. */
@Command(name = "export-layer", mixinStandardHelpOptions = true,
        description = {"Write a layer of an image as its original uncompressed tar, bit for bit, to stdout.",
            "Its sha256 is the layer's diff_id."})
final class OciExportLayerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tag or manifest digest of the image.")
    String name;

    @Parameters(index = "1", paramLabel = "DIGEST",
            description = "The layer: its diff_id, or its (compressed) blob digest from the manifest.")
    String digest;

    @Override
    public Integer call() throws IOException {
        if (FileCalls.isatty(1)) {
            throw new RepositoryException("refusing to write a tar to a terminal; redirect stdout (> layer.tar)");
        }
        Repository repo = RepoOption.open();
        OciImage image = OciImages.resolve(repo, name);
        String diffId = diffIdOf(image, digest);
        OutputStream out = new BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 16);
        LayerExporter.exportLayer(repo, diffId, out);
        out.flush();
        return 0;
    }

    /** The diff_id for DIGEST: itself if it is one of the image's, else the matching manifest layer's. */
    static String diffIdOf(OciImage image, String digest) throws IOException {
        List<String> diffIds = image.diffIds();
        if (diffIds.contains(digest)) {
            return digest;
        }
        var layers = new com.fasterxml.jackson.databind.ObjectMapper().readTree(image.manifest()).path("layers");
        for (int i = 0; i < layers.size() && i < diffIds.size(); i++) {
            if (digest.equals(layers.get(i).path("digest").asText())) {
                return diffIds.get(i);
            }
        }
        throw new RepositoryException("image " + image.manifestDigest() + " has no layer " + digest);
    }
}
