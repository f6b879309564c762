package org.cfsj.oci.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;

/** An OCI content descriptor: what a manifest or index says about a blob it references. */
public record Descriptor(String mediaType, Digest digest, long size, Map<String, String> annotations) {
    public Descriptor {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, Map.of());
    }

    /** Reads a descriptor object; {@code where} names it in errors. */
    static Descriptor fromJson(JsonNode node, String where) throws ManifestException {
        if (node == null || !node.isObject()) {
            throw new ManifestException(where + ": missing descriptor");
        }
        JsonNode digest = node.get("digest");
        JsonNode size = node.get("size");
        if (digest == null || !digest.isTextual()) {
            throw new ManifestException(where + ": descriptor without a digest");
        }
        if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
            throw new ManifestException(where + ": descriptor without a valid size");
        }
        Digest d;
        try {
            d = Digest.parse(digest.asText());
        } catch (IllegalArgumentException e) {
            throw new ManifestException(where + ": " + e.getMessage());
        }
        Map<String, String> annotations = new TreeMap<>();
        JsonNode ann = node.get("annotations");
        if (ann != null && ann.isObject()) {
            ann.properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
        }
        JsonNode mt = node.get("mediaType");
        return new Descriptor(mt == null ? null : mt.asText(), d, size.asLong(), annotations);
    }
}
