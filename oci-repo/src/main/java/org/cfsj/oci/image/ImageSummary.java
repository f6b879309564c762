package org.cfsj.oci.image;

import java.util.Optional;
import org.cfsj.repo.ObjectId;

/**
 * One line of {@code cfsj oci images}.
 *
 * @param name           the tag
 * @param manifestDigest {@code sha256:<hex>}
 * @param imageId        the composefs image id, if built
 * @param size           config plus layer blob sizes from the manifest (download size), bytes
 * @param created        the config's {@code created} timestamp (RFC 3339), or "" if absent
 */
public record ImageSummary(String name, String manifestDigest, Optional<ObjectId> imageId, long size, String created) {}
