package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "mount", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class OciMountCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("oci mount is not implemented yet");
    }
}
