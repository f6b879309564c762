package org.cfsj.cli;

import org.cfsj.verity.VerityAlgorithm;
import picocli.CommandLine;

/** Parses {@code --algorithm}: composefs-rs's names, {@code fsverity-sha256-12} or {@code fsverity-sha512-12}. */
final class VerityAlgorithmConverter implements CommandLine.ITypeConverter<VerityAlgorithm> {
    @Override
    public VerityAlgorithm convert(String value) {
        try {
            return VerityAlgorithm.fromRepoName(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
