package org.cfsj.fuse;

/** The server's log: one line per event on stderr, prefixed so it stands out among other output. */
public final class Log {
    private static final String PREFIX = "cfsj fuse-serve: ";

    private Log() {}

    public static void info(String message) {
        System.err.println(PREFIX + message);
    }
}
