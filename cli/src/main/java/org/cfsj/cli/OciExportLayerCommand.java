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

    @Parameters(index = "1", paramLabel = "LAYER",
            description = {"The layer: its number as `cfsj oci inspect` lists them (1 = bottom), its diff_id, or its"
                    + " (compressed) blob digest from the manifest; a digest may be shortened to its first 12 or more hex"
                    + " digits, with or without \"sha256:\", as `cfsj oci pull` prints them."})
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

    /** The shortest digest prefix accepted: what pull and inspect print is 12 hex digits. */
    private static final int MIN_PREFIX = 12;

    /**
     * The diff_id for LAYER: a layer number (1 = bottom), a diff_id, a manifest blob digest, or a
     * unique prefix of at least {@value #MIN_PREFIX} hex digits of either.
     */
    static String diffIdOf(OciImage image, String layer) throws IOException {
        List<String> diffIds = image.diffIds();
        if (layer.matches("[0-9]{1,4}")) {
            int n = Integer.parseInt(layer);
            if (n < 1 || n > diffIds.size()) {
                throw new RepositoryException("image " + image.manifestDigest() + " has " + diffIds.size() + " layer"
                        + (diffIds.size() == 1 ? "" : "s") + "; there is no layer " + layer);
            }
            return diffIds.get(n - 1);
        }
        var layers = new com.fasterxml.jackson.databind.ObjectMapper().readTree(image.manifest()).path("layers");
        String hex = layer.startsWith("sha256:") ? layer.substring("sha256:".length()) : layer;
        if (!hex.matches("[0-9a-f]{" + MIN_PREFIX + ",64}")) {
            throw new RepositoryException("layer " + layer + ": not a layer number or a sha256 digest (at least "
                    + MIN_PREFIX + " hex digits)");
        }
        java.util.Set<String> matches = new java.util.LinkedHashSet<>();
        for (int i = 0; i < diffIds.size(); i++) {
            String blob = i < layers.size() ? layers.get(i).path("digest").asText() : "";
            if (diffIds.get(i).startsWith("sha256:" + hex) || blob.startsWith("sha256:" + hex)) {
                matches.add(diffIds.get(i));
            }
        }
        if (matches.size() > 1) {
            throw new RepositoryException("layer " + layer + " is ambiguous: it starts " + matches.size()
                    + " layers' digests; give more digits");
        }
        if (matches.isEmpty()) {
            throw new RepositoryException("image " + image.manifestDigest() + " has no layer " + layer
                    + " (see its layers with: cfsj oci inspect " + image.manifestDigest() + ")");
        }
        return matches.iterator().next();
    }
}
