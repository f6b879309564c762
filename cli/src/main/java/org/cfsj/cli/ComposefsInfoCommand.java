package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "composefs-info", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class ComposefsInfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("composefs-info is not implemented yet");
    }
}
