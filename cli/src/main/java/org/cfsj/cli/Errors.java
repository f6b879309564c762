package org.cfsj.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns exceptions into one-line messages and exit codes. Users get "cfsj: what went wrong",
 * never a stack trace (set CFSJ_DEBUG=1 to see one).
 *
 * <p>Exit codes: 1 = the operation failed (bad input, I/O error), 2 = usage error (picocli).
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    static final int FAILED = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        if (System.getenv("CFSJ_DEBUG") != null) {
            ex.printStackTrace();
        }
        cmd.getErr().println("cfsj " + cmd.getCommandName() + ": " + message(ex));
        cmd.getErr().flush();
        return FAILED;
    }

    static String message(Throwable ex) {
        if (ex instanceof UncheckedIOException u) {
            ex = u.getCause();
        }
        return switch (ex) {
            case NoSuchFileException e -> e.getFile() + ": no such file or directory";
            case AccessDeniedException e -> e.getFile() + ": permission denied";
            case FileAlreadyExistsException e -> e.getFile() + ": already exists";
            case IOException e when e.getMessage() != null -> e.getMessage();
            default -> ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
        };
    }
}
