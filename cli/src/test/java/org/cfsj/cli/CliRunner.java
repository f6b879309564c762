package org.cfsj.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process with captured stdin, stdout and stderr. */
final class CliRunner {
    record Result(int exit, byte[] out, String err) {
        String outText() {
            return new String(out, StandardCharsets.ISO_8859_1);
        }
    }

    private CliRunner() {}

    static synchronized Result run(byte[] stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            System.setIn(new ByteArrayInputStream(stdin));
            int code = Main.run(args);
            System.out.flush();
            return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    static Result run(String... args) {
        return run(new byte[0], args);
    }
}
