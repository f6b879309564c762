package org.cfsj.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cfsj oci inspect NAME [--json]}: an image's manifest, config and layers. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {
            "Show a stored image: manifest, platform, config, layers and image id.",
            "",
            "Each layer with its blob digest, size and diff_id; the image id is the",
            "composefs image's. --json prints one document holding the stored manifest and",
            "config.",
        })
final class OciInspectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tag or manifest digest (sha256:…).")
    String name;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        OciImage image = OciImages.resolve(RepoOption.open(), name);
        JsonNode manifest = JSON.readTree(image.manifest());
        JsonNode config = JSON.readTree(image.config());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode doc = JSON.createObjectNode();
            if (image.name() != null) {
                doc.put("name", image.name());
            }
            doc.put("manifestDigest", image.manifestDigest());
            doc.put("configDigest", image.configDigest());
            image.imageId().ifPresent(id -> doc.put("imageId", id.hex()));
            doc.set("manifest", manifest);
            doc.set("config", config);
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            out.flush();
            return 0;
        }
        out.println("Name:        " + (image.name() == null ? "-" : image.name()));
        out.println("Manifest:    " + image.manifestDigest() + " (" + text(manifest, "mediaType", "application/vnd.oci.image.manifest.v1+json") + ")");
        out.println("Config:      " + image.configDigest());
        out.println("Image id:    " + image.imageId().map(id -> id.hex()).orElse("(not built; cfsj oci create-image)"));
        out.println("Platform:    " + text(config, "os", "?") + "/" + text(config, "architecture", "?")
                + (config.has("variant") ? "/" + config.get("variant").asText() : ""));
        if (config.has("created")) {
            out.println("Created:     " + config.get("created").asText());
        }
        JsonNode cfg = config.path("config");
        if (cfg.has("Entrypoint") && !cfg.get("Entrypoint").isNull()) {
            out.println("Entrypoint:  " + cfg.get("Entrypoint"));
        }
        if (cfg.has("Cmd") && !cfg.get("Cmd").isNull()) {
            out.println("Cmd:         " + cfg.get("Cmd"));
        }
        if (cfg.has("Env")) {
            for (JsonNode e : cfg.get("Env")) {
                out.println("Env:         " + e.asText());
            }
        }
        JsonNode layers = manifest.path("layers");
        long total = 0;
        out.println("Layers:");
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            total += l.path("size").asLong();
            out.printf("  %2d  %s  %10s  %s%n      diff_id %s%n", i + 1, l.path("digest").asText(),
                    RepoOption.humanSize(l.path("size").asLong()), text(l, "mediaType", ""),
                    i < image.diffIds().size() ? image.diffIds().get(i) : "?");
        }
        out.println("Size:        " + RepoOption.humanSize(total) + " compressed in " + layers.size() + " layer" + (layers.size() == 1 ? "" : "s"));
        out.flush();
        return 0;
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

}
