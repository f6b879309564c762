package org.cfsj.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.cfsj.sys.Sockets;

/**
 * A varlink client on one connection: calls one after another, each waiting for its replies
 * (the protocol answers calls of a connection in order, so a call is done before the next is sent).
 * Error replies are thrown as {@link VarlinkError}. The fds a reply carries belong to the caller
 * ({@link Reply#fds()}), to be closed by it.
 *
 * <p>Thread-safe by serialising calls; made for tests and for cfsj commands talking to a running
 * {@code cfsj serve}.
 */
public final class VarlinkClient implements AutoCloseable {
    /** One reply: parameters, whether more follow, and the fds that came with it (owned by the receiver). */
    public record Reply(ObjectNode parameters, boolean continues, int[] fds) {}

    private final MessageSocket socket;
    private final Json json;

    private VarlinkClient(MessageSocket socket, Json json) {
        this.socket = socket;
        this.json = json;
    }

    public static VarlinkClient connect(Path path) throws IOException {
        return connect(path, VarlinkLimits.DEFAULT);
    }

    public static VarlinkClient connect(Path path, VarlinkLimits limits) throws IOException {
        int fd = Sockets.connect(path.toString());
        return new VarlinkClient(new MessageSocket(fd, limits, Poller.shared()), new Json(limits));
    }

    /** A client on {@code fd}, an already connected unix stream socket it now owns (made non-blocking). */
    public static VarlinkClient over(int fd, VarlinkLimits limits) throws IOException {
        Sockets.setNonBlocking(fd, "varlink connection");
        return new VarlinkClient(new MessageSocket(fd, limits, Poller.shared()), new Json(limits));
    }

    /** Calls {@code method} (fully qualified) with {@code fds} attached; its one reply. */
    public synchronized Reply call(String method, ObjectNode parameters, int... fds) throws IOException, VarlinkError {
        send(method, parameters, false, false, fds);
        Reply r = receive();
        if (r.continues()) {
            MessageSocket.closeAll(r.fds());
            throw new IOException(method + " answered with continues on a call without more");
        }
        return r;
    }

    /** Calls {@code method} with {@code more}: each {@code continues} reply goes to {@code each}; returns the last one. */
    public synchronized Reply callMore(String method, ObjectNode parameters, Consumer<Reply> each, int... fds)
            throws IOException, VarlinkError {
        send(method, parameters, false, true, fds);
        while (true) {
            Reply r = receive();
            if (!r.continues()) {
                return r;
            }
            each.accept(r);
        }
    }

    /** Calls {@code method} with {@code oneway}: no reply comes. */
    public synchronized void callOneway(String method, ObjectNode parameters, int... fds) throws IOException {
        send(method, parameters, true, false, fds);
    }

    private void send(String method, ObjectNode parameters, boolean oneway, boolean more, int[] fds) throws IOException {
        ObjectNode call = JsonNodeFactory.instance.objectNode();
        call.put("method", method);
        call.set("parameters", parameters == null ? JsonNodeFactory.instance.objectNode() : parameters);
        if (oneway) {
            call.put("oneway", true);
        }
        if (more) {
            call.put("more", true);
        }
        socket.write(json.bytes(call), fds);
    }

    private Reply receive() throws IOException, VarlinkError {
        MessageSocket.Message m = socket.read();
        if (m == null) {
            throw new EOFException("the varlink service closed the connection");
        }
        JsonNode tree = json.parse(m.json()).orElse(null);
        if (tree == null || !tree.isObject()) {
            MessageSocket.closeAll(m.fds());
            throw new IOException("the varlink service sent a malformed reply");
        }
        ObjectNode params = tree.get("parameters") instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
        JsonNode error = tree.get("error");
        if (error != null && !error.isNull()) {
            MessageSocket.closeAll(m.fds());
            throw new VarlinkError(error.asText(), params);
        }
        return new Reply(params, tree.path("continues").asBoolean(false), m.fds());
    }

    @Override
    public void close() {
        socket.close();
    }
}
