package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "create-dumpfile", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class CreateDumpfileCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("create-dumpfile is not implemented yet");
    }
}
