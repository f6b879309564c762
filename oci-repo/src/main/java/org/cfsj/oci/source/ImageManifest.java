package org.cfsj.oci.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The parts of an image manifest (OCI or Docker v2 schema 2) a pull needs: the config and the layers in order. */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers) {
    public ImageManifest {
        layers = List.copyOf(layers);
    }

    /** Parses a manifest; {@code mediaType} is the one the source reported for it. */
    public static ImageManifest parse(RawManifest raw) throws ManifestException {
        String what = "manifest " + raw.digest();
        JsonNode root = Json.parse(raw.bytes(), what);
        JsonNode schema = root.get("schemaVersion");
        if (schema == null || schema.asInt() != 2) {
            throw new ManifestException(what + ": schemaVersion " + schema + " is not supported (only 2)");
        }
        if (root.has("manifests")) {
            throw new ManifestException(what + ": is an index, not an image manifest");
        }
        Descriptor config = Descriptor.fromJson(root.get("config"), what + " config");
        JsonNode layers = root.get("layers");
        if (layers == null || !layers.isArray()) {
            throw new ManifestException(what + ": no layers array");
        }
        List<Descriptor> list = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Descriptor d = Descriptor.fromJson(layers.get(i), what + " layer " + i);
            if (MediaTypes.isForeignLayer(d.mediaType())) {
                throw new ManifestException(what + ": layer " + i + " is a foreign layer (" + d.mediaType() + "), which cfsj does not fetch");
            }
            list.add(d);
        }
        return new ImageManifest(raw.mediaType(), config, list);
    }
}
