package org.cfsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** What a user sees when cfsj itself fails: one line, exit 1, never a stack trace. */
class ErrorsTest {
    private static StackOverflowError deepOverflow(int depth) {
        if (depth == 0) {
            return new StackOverflowError();
        }
        return deepOverflow(depth - 1);
    }

    @Test
    void anErrorIsOneLine() {
        StringWriter err = new StringWriter();
        int exit = Errors.internalError(deepOverflow(2000), new PrintWriter(err));
        assertEquals(1, exit);
        assertEquals("cfsj: internal error: stack overflow; set CFSJ_DEBUG=1 for a trace\n", err.toString());
    }

    @Test
    void anErrorFromAnotherThreadIsOneLineToo() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setErr(new PrintWriter(err));
        int exit = new Errors().handleExecutionException(
                new ExecutionException(new OutOfMemoryError("Java heap space")), cmd, null);
        assertEquals(1, exit);
        assertEquals("cfsj: internal error: out of memory (Java heap space); set CFSJ_DEBUG=1 for a trace\n", err.toString());
    }
}
