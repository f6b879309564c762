package org.cfsj.oci.layer;

import org.cfsj.repo.ObjectId;

/**
 * The outcome of importing one layer.
 *
 * @param diffId         {@code sha256:<hex>} of the uncompressed tar
 * @param streamName     {@code oci-layer-sha256:<hex>}
 * @param streamId       object id of the layer splitstream
 * @param alreadyPresent true if the layer was in the repository already (nothing was read)
 * @param tarSize        bytes of uncompressed tar read (0 if already present)
 * @param entries        tar entries (0 if already present)
 * @param objects        external file objects referenced by the layer
 * @param newObjects     of those, how many this import added (the rest were deduplicated)
 */
public record LayerImport(String diffId, String streamName, ObjectId streamId, boolean alreadyPresent,
        long tarSize, long entries, long objects, long newObjects) {}
