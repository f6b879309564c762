package org.cfsj.fuse;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The server's log: one line per event on {@code System.err}, prefixed so it stands out among
 * other output. A background server ({@code cfsj fuse-serve --background}) points
 * {@code System.err} elsewhere once its mount is live (the journal or a private file), so these
 * lines follow it there. {@link #routeSystemLoggers} sends what other modules log through
 * {@code System.Logger} the same way.
 */
public final class Log {
    private static final String PREFIX = "cfsj fuse-serve: ";

    private Log() {}

    public static void info(String message) {
        System.err.println(PREFIX + message);
    }

    /**
     * Makes {@code System.Logger} messages (INFO and above) one line each, {@code prefix} first,
     * on whatever {@code System.err} is when they are logged: the JDK's console handler would
     * print two lines to the stream it saw first, which a background server closes after start-up.
     */
    public static void routeSystemLoggers(String prefix) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.INFO);
        root.addHandler(new Handler() {
            private final SimpleFormatter formatter = new SimpleFormatter();

            @Override
            public void publish(LogRecord record) {
                if (isLoggable(record)) {
                    System.err.println(prefix + formatter.formatMessage(record));
                }
            }

            @Override
            public void flush() {
                System.err.flush();
            }

            @Override
            public void close() {}
        });
    }
}
