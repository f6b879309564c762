package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "fuse-serve", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class FuseServeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("fuse-serve is not implemented yet");
    }
}
