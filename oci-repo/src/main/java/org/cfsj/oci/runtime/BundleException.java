package org.cfsj.oci.runtime;

import java.io.IOException;

/** A container cannot be set up as asked: the image config, its users or the runtime say no. */
public class BundleException extends IOException {
    public BundleException(String message) {
        super(message);
    }
}
