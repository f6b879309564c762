package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class OciInspectCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("oci inspect is not implemented yet");
    }
}
