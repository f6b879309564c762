package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "pull", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class OciPullCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("oci pull is not implemented yet");
    }
}
