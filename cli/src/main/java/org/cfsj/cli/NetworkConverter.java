package org.cfsj.cli;

import org.cfsj.oci.runtime.Network;
import picocli.CommandLine;

/** {@code --network none|host} of {@code cfsj oci bundle} and {@code cfsj oci run}. */
final class NetworkConverter implements CommandLine.ITypeConverter<Network> {
    @Override
    public Network convert(String value) {
        return switch (value) {
            case "none" -> Network.NONE;
            case "host" -> Network.HOST;
            default -> throw new CommandLine.TypeConversionException("expected none or host, not '" + value + "'");
        };
    }
}
