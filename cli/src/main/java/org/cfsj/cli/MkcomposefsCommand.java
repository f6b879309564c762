package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "mkcomposefs", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class MkcomposefsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("mkcomposefs is not implemented yet");
    }
}
