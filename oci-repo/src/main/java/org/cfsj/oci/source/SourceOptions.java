package org.cfsj.oci.source;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * How to reach a source.
 *
 * @param tlsVerify false = {@code --tls-verify=false}: plain HTTP or unverified TLS is acceptable
 * @param authFile {@code --authfile}, or null for the default search
 * @param warn receives one-line warnings (e.g. that a registry was reached over plain HTTP)
 */
public record SourceOptions(boolean tlsVerify, Path authFile, Consumer<String> warn) {
    public SourceOptions {
        warn = warn == null ? s -> {} : warn;
    }

    public static SourceOptions defaults() {
        return new SourceOptions(true, null, null);
    }
}
