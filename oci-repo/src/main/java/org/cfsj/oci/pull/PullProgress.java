package org.cfsj.oci.pull;

import org.cfsj.oci.layer.LayerImport;
import org.cfsj.oci.source.Descriptor;
import org.cfsj.oci.source.ResolvedImage;

/**
 * What a pull reports as it goes. Layer events come from the download threads, concurrently;
 * implementations synchronize themselves. {@code index} is the layer's position in the
 * manifest, from 0.
 */
public interface PullProgress extends AutoCloseable {
    PullProgress NONE = new PullProgress() {};

    default void resolved(String source, ResolvedImage image) {}

    default void layerSkipped(int index, Descriptor layer, String diffId) {}

    default void layerStarted(int index, Descriptor layer) {}

    /** Compressed bytes received so far for this layer (cumulative). */
    default void layerBytes(int index, long received) {}

    default void layerDone(int index, Descriptor layer, LayerImport result, long nanos) {}

    default void layerFailed(int index, Descriptor layer, Exception error) {}

    /** A step after the layers ("storing manifest", "building image"). */
    default void step(String what) {}

    @Override
    default void close() {}
}
