package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "compute-digest", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class ComputeDigestCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("compute-digest is not implemented yet");
    }
}
