package org.cfsj.fuse;

/**
 * The server's log: one line per event on {@code System.err}, prefixed so it stands out among
 * other output. A background server ({@code cfsj fuse-serve --background}) points
 * {@code System.err} elsewhere once its mount is live (the journal or a private file), so these
 * lines follow it there.
 */
public final class Log {
    private static final String PREFIX = "cfsj fuse-serve: ";

    private Log() {}

    public static void info(String message) {
        System.err.println(PREFIX + message);
    }
}
