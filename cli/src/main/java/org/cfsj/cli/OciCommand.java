package org.cfsj.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cfsj oci}: OCI images in the repository; only groups its subcommands. */
@Command(name = "oci", mixinStandardHelpOptions = true,
        description = "Pull, build, list, inspect, tag, untag, export and mount OCI images.",
        subcommands = {
            OciPullCommand.class,
            OciImagesCommand.class,
            OciInspectCommand.class,
            OciTagCommand.class,
            OciUntagCommand.class,
            OciCreateImageCommand.class,
            OciExportLayerCommand.class,
            OciMountCommand.class,
            OciBundleCommand.class,
            OciRunCommand.class
        })
final class OciCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
        throw new CommandLine.ParameterException(spec.commandLine(), "missing oci subcommand");
    }
}
