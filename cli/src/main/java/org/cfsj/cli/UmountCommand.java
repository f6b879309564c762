package org.cfsj.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "umount", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class UmountCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("umount is not implemented yet");
    }
}
