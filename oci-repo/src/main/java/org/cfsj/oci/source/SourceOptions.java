package org.cfsj.oci.source;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * How to reach a source.
 *
 * @param tlsVerify false = {@code --tls-verify=false}: plain HTTP or unverified TLS is acceptable
 * @param authFile {@code --authfile}, or null for the default search
 * @param warn receives one-line warnings (e.g. that a registry was reached over plain HTTP)
 * @param anonymous no stored credentials are used (the service pulling for a client who is not
 *                  the owner of those credentials)
 */
public record SourceOptions(boolean tlsVerify, Path authFile, Consumer<String> warn, boolean anonymous) {
    public SourceOptions {
        warn = warn == null ? s -> {} : warn;
    }

    /** With the stored credentials (the auth file search), as a user's own command uses them. */
    public SourceOptions(boolean tlsVerify, Path authFile, Consumer<String> warn) {
        this(tlsVerify, authFile, warn, false);
    }

    public static SourceOptions defaults() {
        return new SourceOptions(true, null, null);
    }
}
