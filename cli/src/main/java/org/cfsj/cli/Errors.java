package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import org.cfsj.mount.BackgroundServer;
import picocli.CommandLine;

/**
 * Turns exceptions into one-line messages and exit codes. Users get "cfsj: what went wrong",
 * never a stack trace (set CFSJ_DEBUG=1 to see one).
 *
 * <p>Exit codes: 1 = the operation failed (bad input, I/O error), 2 = usage error (picocli).
 *
 * <p>An {@link Error} (a stack overflow, running out of memory, a bug) is not an operation's
 * failure but cfsj's own: {@link #internalError} makes it one line too, as the last line of
 * defence behind the walks that are written not to exhaust the stack.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    static final int FAILED = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        Error cause = errorCause(ex);
        if (cause != null) { // an Error on another thread, handed over wrapped
            return internalError(cause, cmd.getErr());
        }
        if (System.getenv("CFSJ_DEBUG") != null) {
            ex.printStackTrace();
        }
        if (ex instanceof BackgroundServer.StartFailedException) { // the server's own words are on stderr already
            return FAILED;
        }
        // the whole command ("cfsj oci pull:"), so the line says which of two same-named commands failed
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + message(ex));
        cmd.getErr().flush();
        return FAILED;
    }

    /** The first {@link Error} in the cause chain, or null. */
    private static Error errorCause(Throwable t) {
        for (int i = 0; t != null && i < 32; t = t.getCause(), i++) {
            if (t instanceof Error e) {
                return e;
            }
        }
        return null;
    }

    /**
     * Reports what escaped a command without being handled (an {@link Error}, or a runtime
     * exception thrown outside the command itself) in one line and returns the exit code.
     */
    static int internalError(Throwable t, PrintWriter err) {
        String what;
        try {
            if (System.getenv("CFSJ_DEBUG") != null) {
                t.printStackTrace(err);
            }
            what = internalMessage(t);
        } catch (Throwable again) { // out of memory again while describing it: say less
            what = "out of memory";
        }
        err.println("cfsj: internal error: " + what + "; set CFSJ_DEBUG=1 for a trace");
        err.flush();
        return FAILED;
    }

    /** What an unhandled throwable was, without Java class names where a phrase says it better. */
    static String internalMessage(Throwable t) {
        return switch (t) {
            case StackOverflowError e -> "stack overflow";
            case OutOfMemoryError e -> "out of memory" + (e.getMessage() != null ? " (" + e.getMessage() + ")" : "");
            default -> t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "");
        };
    }

    static String message(Throwable ex) {
        return org.cfsj.service.FailureText.of(ex);
    }
}
