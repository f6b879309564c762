package org.cfsj.oci.source;

import java.io.IOException;

/** A manifest, index or config that cfsj cannot use (malformed, unsupported, or no matching platform). */
public class ManifestException extends IOException {
    public ManifestException(String message) {
        super(message);
    }
}
