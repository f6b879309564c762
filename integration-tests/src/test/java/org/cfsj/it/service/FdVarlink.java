package org.cfsj.it.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Sockets;

/**
 * A varlink client for calls that carry file descriptors, written from the protocol like
 * {@link RawVarlink}: NUL-terminated JSON on a unix stream socket, fds as {@code SCM_RIGHTS} on the
 * message that names them. The socket calls are the bare syscalls of {@code org.cfsj.sys} (the JDK's
 * channels cannot pass fds); framing and JSON are this class's own.
 */
final class FdVarlink implements AutoCloseable {
    /** A reply and the fds that came with it (owned by the caller). */
    record Reply(JsonNode message, int[] fds) {}

    private final int socket;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final List<Integer> pendingFds = new ArrayList<>();

    private FdVarlink(int socket) {
        this.socket = socket;
    }

    static FdVarlink connect(Path path) throws IOException {
        return new FdVarlink(Sockets.connect(path.toString()));
    }

    /** One call with {@code fds} attached; its reply with the fds it carried. */
    Reply call(String method, String parametersJson, int... fds) throws IOException {
        ObjectNode call = RawVarlink.JSON.createObjectNode();
        call.put("method", method);
        call.set("parameters", RawVarlink.JSON.readTree(parametersJson));
        byte[] bytes = RawVarlink.JSON.writeValueAsBytes(call);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            long sent = 0;
            int[] attach = fds;
            while (sent < data.byteSize()) {
                long n = Sockets.send(socket, data.asSlice(sent), attach);
                if (n < 0) {
                    sleep(); // the socket buffer is full
                    continue;
                }
                sent += n;
                attach = new int[0];
            }
        }
        return receive();
    }

    private Reply receive() throws IOException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024);
            while (true) {
                byte[] have = pending.toByteArray();
                for (int i = 0; i < have.length; i++) {
                    if (have[i] == 0) {
                        pending.reset();
                        pending.write(have, i + 1, have.length - i - 1);
                        int[] fds = pendingFds.stream().mapToInt(Integer::intValue).toArray();
                        pendingFds.clear();
                        return new Reply(RawVarlink.JSON.readTree(new String(have, 0, i, java.nio.charset.StandardCharsets.UTF_8)), fds);
                    }
                }
                Sockets.Received r = Sockets.receive(socket, buf); // non-blocking: null while nothing is there
                if (r == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("no reply within 120 s");
                    }
                    sleep();
                    continue;
                }
                if (r.bytes() == 0) {
                    throw new EOFException("the service closed the connection");
                }
                pending.write(buf.asSlice(0, r.bytes()).toArray(ValueLayout.JAVA_BYTE), 0, (int) r.bytes());
                for (int fd : r.fds()) {
                    pendingFds.add(fd);
                }
            }
        }
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        FileCalls.close(socket);
    }
}
