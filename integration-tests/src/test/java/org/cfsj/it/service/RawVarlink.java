package org.cfsj.it.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A varlink client written from the protocol (varlink.org), not from cfsj's classes: each
 * message is one JSON object followed by a NUL byte on a unix stream socket; a call is
 * {@code {"method", "parameters", "more"?, "oneway"?}}, a reply {@code {"parameters",
 * "continues"?, "error"?}}.
 */
final class RawVarlink implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

    private RawVarlink(SocketChannel channel) {
        this.channel = channel;
    }

    static RawVarlink connect(Path socket) throws IOException {
        return new RawVarlink(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
    }

    /** Writes {@code bytes} and the NUL that ends a message. */
    void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) 0).flip();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    void send(String method, String parametersJson, boolean more) throws IOException {
        ObjectNode call = JSON.createObjectNode();
        call.put("method", method);
        call.set("parameters", JSON.readTree(parametersJson));
        if (more) {
            call.put("more", true);
        }
        sendRaw(JSON.writeValueAsBytes(call));
    }

    /** The next message, or an EOFException when the service closed the connection. */
    JsonNode receive() throws IOException {
        while (true) {
            byte[] have = pending.toByteArray();
            for (int i = 0; i < have.length; i++) {
                if (have[i] == 0) {
                    pending.reset();
                    pending.write(have, i + 1, have.length - i - 1);
                    return JSON.readTree(new String(have, 0, i, StandardCharsets.UTF_8));
                }
            }
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                throw new EOFException("the service closed the connection");
            }
            pending.write(buffer.array(), 0, n);
        }
    }

    /** One call, its one reply (error or not). */
    JsonNode call(String method, String parametersJson) throws IOException {
        send(method, parametersJson, false);
        return receive();
    }

    /** A call with {@code more}: every reply up to and including the first without {@code continues}. */
    List<JsonNode> callMore(String method, String parametersJson) throws IOException {
        send(method, parametersJson, true);
        List<JsonNode> replies = new ArrayList<>();
        JsonNode r;
        do {
            r = receive();
            replies.add(r);
        } while (r.path("continues").asBoolean(false) && !r.has("error"));
        return replies;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
