package org.cfsj.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a finished {@link Command} left: its exit code, its stdout as bytes (empty if it went to a
 * file), its stderr as text (empty if merged into stdout).
 */
public record Result(List<String> argv, int exit, byte[] stdout, String err) {
    /** stdout as UTF-8 text. */
    public String out() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** stdout one char per byte, for output that may hold any byte (names, binary values). */
    public String outLatin1() {
        return new String(stdout, StandardCharsets.ISO_8859_1);
    }

    /** For assertion messages: the command, its exit code and both outputs (each cut after 4000 chars). */
    public String describe() {
        return String.join(" ", argv) + "\nexit " + exit + "\n--- stdout:\n" + head(out()) + "\n--- stderr:\n" + head(err);
    }

    private static String head(String s) {
        return s.length() > 4000 ? s.substring(0, 4000) + "\n[... " + (s.length() - 4000) + " more chars]" : s;
    }
}
