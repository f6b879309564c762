package org.cfsj.oci.source;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A manifest or index exactly as the source served it. The bytes are what gets stored (so that
 * the recorded digest is the registry's and {@code inspect} shows the original); the digest has
 * been checked against them.
 */
public record RawManifest(byte[] bytes, Digest digest, String mediaType) {
    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /**
     * Builds a raw manifest from verified bytes, deciding its media type: the document's own
     * {@code mediaType} field first, then what the source declared (Content-Type, descriptor),
     * then the shape ({@code manifests} makes an index). Schema 1 is refused here.
     */
    public static RawManifest of(byte[] bytes, Digest digest, String declared) throws ManifestException {
        String what = "manifest " + digest;
        JsonNode root = Json.parse(bytes, what);
        JsonNode schema = root.get("schemaVersion");
        if (schema != null && schema.asInt() == 1) {
            throw new ManifestException(what + ": Docker schema 1 manifests are not supported");
        }
        String type = Json.text(root, "mediaType");
        if (type == null && declared != null && (MediaTypes.isIndex(declared) || MediaTypes.isManifest(declared))) {
            type = declared;
        }
        if (type == null) {
            type = root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        if (!MediaTypes.isIndex(type) && !MediaTypes.isManifest(type)) {
            throw new ManifestException(what + ": unsupported media type " + type);
        }
        return new RawManifest(bytes, digest, type);
    }
}
