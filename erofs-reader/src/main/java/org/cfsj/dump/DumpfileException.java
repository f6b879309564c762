package org.cfsj.dump;

import java.io.IOException;

/** A dumpfile that cannot be parsed; the message names the line and what is wrong. */
public final class DumpfileException extends IOException {
    private final int line;

    public DumpfileException(int line, String message) {
        super(line > 0 ? "line " + line + ": " + message : message);
        this.line = line;
    }

    /** 1-based line number, or 0 when the problem is not tied to one line. */
    public int line() {
        return line;
    }
}
