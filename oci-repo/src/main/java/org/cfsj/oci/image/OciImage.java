package org.cfsj.oci.image;

import java.util.List;
import java.util.Optional;
import org.cfsj.repo.ObjectId;

/**
 * An OCI image as stored in the repository.
 *
 * @param name           the tag it was resolved through, or null when resolved by digest
 * @param manifestDigest {@code sha256:<hex>} of the manifest bytes (equal to the registry's)
 * @param configDigest   {@code sha256:<hex>} of the config bytes
 * @param diffIds        the config's {@code rootfs.diff_ids}, bottom layer first
 * @param manifest       the raw manifest JSON, as fetched
 * @param config         the raw config JSON, as fetched
 * @param imageId        the composefs image built from it ({@code composefs.image} on the config), if any
 * @param manifestStream object id of the manifest splitstream
 * @param configStream   object id of the config splitstream
 */
public record OciImage(String name, String manifestDigest, String configDigest, List<String> diffIds,
        byte[] manifest, byte[] config, Optional<ObjectId> imageId, ObjectId manifestStream, ObjectId configStream) {
    public OciImage {
        diffIds = List.copyOf(diffIds);
    }
}
