package org.cfsj.oci.pull;

import java.util.List;
import java.util.Optional;
import org.cfsj.oci.layer.LayerImport;
import org.cfsj.repo.ObjectId;

/**
 * What a pull did.
 *
 * @param manifestDigest  the manifest's digest (the registry's)
 * @param configDigest    the config's digest
 * @param name            the tag it was stored under, or null
 * @param imageId         the composefs image id, unless {@code --no-image}
 * @param layers          per distinct layer, in manifest order
 * @param bytesDownloaded compressed layer bytes fetched in this pull
 */
public record PullResult(String manifestDigest, String configDigest, String name, Optional<ObjectId> imageId,
        List<LayerImport> layers, long bytesDownloaded) {
    public long layersFetched() {
        return layers.stream().filter(l -> !l.alreadyPresent()).count();
    }

    public long layersSkipped() {
        return layers.stream().filter(LayerImport::alreadyPresent).count();
    }

    /** File objects the fetched layers referenced that were already in the repository. */
    public long objectsDeduplicated() {
        return layers.stream().mapToLong(l -> l.objects() - l.newObjects()).sum();
    }
}
