package org.cfsj.oci.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks one manifest out of an OCI index or Docker manifest list for a platform. Parsed here from
 * the raw JSON rather than through jib's templates, which drop the platform variant.
 */
public final class IndexSelector {
    private IndexSelector() {}

    public static Descriptor select(RawManifest index, Platform platform) throws ManifestException {
        String what = "index " + index.digest();
        JsonNode root = Json.parse(index.bytes(), what);
        JsonNode manifests = root.get("manifests");
        if (manifests == null || !manifests.isArray()) {
            throw new ManifestException(what + ": no manifests array");
        }
        Descriptor loose = null;
        List<String> offered = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            JsonNode entry = manifests.get(i);
            JsonNode p = entry.get("platform");
            if (p == null || !p.isObject()) {
                continue; // attestations and other platform-less entries are never images to run
            }
            String os = Json.text(p, "os");
            String arch = Json.text(p, "architecture");
            String variant = Json.text(p, "variant");
            offered.add(os + "/" + arch + (variant == null ? "" : "/" + variant));
            if (!platform.accepts(os, arch, variant)) {
                continue;
            }
            Descriptor d = Descriptor.fromJson(entry, what + " entry " + i);
            String mt = d.mediaType();
            if (mt != null && !MediaTypes.isManifest(mt)) {
                continue; // nested indexes and unknown artifacts are not followed
            }
            if (platform.exactVariant(variant)) {
                return d;
            }
            if (loose == null) {
                loose = d;
            }
        }
        if (loose != null) {
            return loose;
        }
        throw new ManifestException("no image for platform " + platform + " in " + what
                + (offered.isEmpty() ? " (it lists no platforms)" : " (it offers " + String.join(", ", offered) + ")"));
    }
}
