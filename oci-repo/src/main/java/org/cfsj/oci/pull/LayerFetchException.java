package org.cfsj.oci.pull;

import java.io.IOException;
import org.cfsj.oci.source.Descriptor;

/** A layer could not be fetched or imported; the message names the layer and the cause. */
public final class LayerFetchException extends IOException {
    public LayerFetchException(int index, Descriptor layer, IOException cause) {
        super("layer " + (index + 1) + " (" + layer.digest() + "): " + cause.getMessage(), cause);
    }
}
