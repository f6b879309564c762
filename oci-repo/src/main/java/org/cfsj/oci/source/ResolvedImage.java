package org.cfsj.oci.source;

import java.util.Optional;

/**
 * What {@link ImageSource#resolveManifest} found: the image manifest for the chosen platform
 * (raw and parsed) and, when the reference named an index, that index too.
 */
public record ResolvedImage(RawManifest manifest, ImageManifest parsed, Optional<RawManifest> index) {}
