package org.cfsj.mount;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import org.cfsj.posix.PrivateDirectory;

/**
 * Where a background FUSE server's messages go once it has started (its start-up messages
 * reach the command that started it through a pipe, see {@link BackgroundServer}).
 *
 * <p>"There is a journal" means journald's stream socket {@value #JOURNAL_STREAM} accepts a
 * connection (what {@code systemd-cat} uses); the messages then go there under the identifier
 * {@value #IDENTIFIER}. Otherwise (no systemd, or syslog without journald) they go to a file in
 * cfsj's private runtime directory ({@link PrivateDirectory#runtimeDirectory()}), created on the
 * first message only, so a server that has nothing to say leaves no file. The file's name is
 * unique (the server's pid and a random part, never derived from the mount point), it is created
 * with {@code O_CREAT|O_EXCL|O_NOFOLLOW} and mode 0600, and its first line names the mount point.
 */
final class BackgroundLog {
    static final String JOURNAL_STREAM = "/run/systemd/journal/stdout";
    static final String IDENTIFIER = "cfsj-fuse-serve";
    /** Priority of every line in the journal: a background server only speaks about problems. */
    private static final int PRIORITY_WARNING = 4;

    private BackgroundLog() {}

    /** The journal if there is one, else a file created on the first write. */
    static OutputStream open(Path mountpoint) {
        OutputStream journal = journal(Path.of(JOURNAL_STREAM));
        return journal != null ? journal : new LazyFile(mountpoint);
    }

    /**
     * A connection to journald's stream socket at {@code socket} with the header of its stdout
     * stream protocol sent (identifier, unit id, priority, level prefix, forward to syslog,
     * kmsg, console: one line each), or null if nothing listens there.
     */
    static OutputStream journal(Path socket) {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                OutputStream out = Channels.newOutputStream(ch);
                out.write((IDENTIFIER + "\n\n" + PRIORITY_WARNING + "\n0\n0\n0\n0\n").getBytes(StandardCharsets.UTF_8));
                return out;
            } catch (IOException e) {
                ch.close();
                return null;
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** The log file: made on the first write; writes are dropped if it cannot be made (there is nowhere else to say so). */
    static final class LazyFile extends OutputStream {
        private final Path mountpoint;
        private OutputStream out;
        private boolean failed;
        private Path file;

        LazyFile(Path mountpoint) {
            this.mountpoint = mountpoint;
        }

        /** The file, once something has been written. */
        synchronized Path file() {
            return file;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (out == null && !failed) {
                try {
                    create();
                } catch (IOException e) {
                    failed = true;
                }
            }
            if (out != null) {
                out.write(b, off, len);
            }
        }

        private void create() throws IOException {
            Path dir = PrivateDirectory.runtimeDirectory();
            byte[] random = new byte[6];
            new SecureRandom().nextBytes(random);
            Path f = dir.resolve("fuse-serve-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random) + ".log");
            OutputStream o = Channels.newOutputStream(Files.newByteChannel(f,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                            LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
            o.write(("cfsj fuse-serve: log of the server (pid " + ProcessHandle.current().pid() + ") of " + mountpoint + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            out = o;
            file = f;
        }

        @Override
        public synchronized void flush() throws IOException {
            if (out != null) {
                out.flush();
            }
        }

        @Override
        public synchronized void close() throws IOException {
            if (out != null) {
                out.close();
            }
        }
    }
}
