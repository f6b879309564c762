package org.cfsj.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal side of a background server's log, against a stand-in for journald's stream
 * socket: the header of the stdout stream protocol as systemd documents it (journald's
 * {@code stdout-stream.c}: identifier, unit id, priority, level prefix, forward to syslog, kmsg,
 * console, one line each), then the lines.
 */
class BackgroundLogTest {
    @TempDir
    Path tmp;

    @Test
    void journalGetsTheStreamHeaderThenTheLines() throws Exception {
        Path socket = tmp.resolve("stdout");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            OutputStream out = BackgroundLog.journal(socket);
            assertNotNull(out);
            try (SocketChannel peer = server.accept()) {
                out.write("cfsj fuse-serve: something\n".getBytes(StandardCharsets.UTF_8));
                out.close();
                String got = new String(Channels.newInputStream(peer).readAllBytes(), StandardCharsets.UTF_8);
                assertEquals("cfsj-fuse-serve\n\n4\n0\n0\n0\n0\ncfsj fuse-serve: something\n", got);
            }
        }
    }

    @Test
    void noJournalWhereNothingListens() {
        assertNull(BackgroundLog.journal(tmp.resolve("absent")));
    }
}
