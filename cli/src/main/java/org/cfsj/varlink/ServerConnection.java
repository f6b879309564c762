package org.cfsj.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.cfsj.sys.Sockets;

/**
 * One client connection of a {@link VarlinkServer}, served on its own virtual thread: reads calls
 * one after another and answers each through the {@link Dispatcher} before reading the next, so
 * replies come in call order (the protocol has no call ids).
 *
 * <p>A message that is not JSON, is too long or carries too many fds gets
 * {@code org.varlink.service.InvalidParameter} with {@code parameter: "message"} and the
 * connection is closed: after such a message the stream cannot be trusted. A well-formed message
 * with a wrong field keeps the connection open. A connection the server's {@link Admission} did
 * not admit gets {@code PermissionDenied} at once, as the reply to whatever it sends first, and
 * is closed.
 */
final class ServerConnection implements MethodCall.ReplySink, VarlinkConnection {
    private static final System.Logger LOG = System.getLogger(ServerConnection.class.getName());
    private static final Duration REFUSED_LINGER = Duration.ofSeconds(1);

    private final MessageSocket socket;
    private final Dispatcher dispatcher;
    private final Json json;
    private final long id;
    private final Sockets.PeerCredentials peer;
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    private final boolean admitted;

    ServerConnection(long id, Sockets.PeerCredentials peer, MessageSocket socket, Dispatcher dispatcher, Json json,
            boolean admitted) {
        this.admitted = admitted;
        this.id = id;
        this.peer = peer;
        this.socket = socket;
        this.dispatcher = dispatcher;
        this.json = json;
    }

    /** Serves until the client closes, breaks the protocol or the server shuts the socket down; then closes it. */
    void serve() {
        try (socket) {
            if (!admitted) {
                refuse();
                return;
            }
            while (true) {
                MessageSocket.Message m;
                try {
                    m = socket.read();
                } catch (MessageSocket.ProtocolException e) {
                    error(VarlinkError.invalidParameter("message"));
                    return;
                }
                if (m == null) {
                    return;
                }
                Optional<JsonNode> tree = json.parse(m.json());
                if (tree.isEmpty()) {
                    MessageSocket.closeAll(m.fds());
                    error(VarlinkError.invalidParameter("message"));
                    return;
                }
                Call call;
                try {
                    call = Call.of(tree.get(), m.fds());
                } catch (VarlinkError e) {
                    MessageSocket.closeAll(m.fds());
                    error(e);
                    continue;
                }
                dispatcher.dispatch(call, this);
            }
        } catch (IOException e) {
            // the client went away or broke the stream: nothing is left to tell it
        } finally {
            for (Runnable r : onClose) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "varlink connection " + id + " clean-up failed: " + e);
                }
            }
        }
    }

    /**
     * Answers at once, without waiting for a call, so a refused peer holds its slot only briefly:
     * the error waits in the client's buffer as the reply to its first call. The connection is
     * closed once the client has sent something (or hung up), or after {@link #REFUSED_LINGER},
     * so a client that writes its call just after the accept reads the refusal, not a broken pipe.
     */
    private void refuse() throws IOException {
        error(VarlinkError.permissionDenied());
        socket.awaitInput(System.nanoTime() + REFUSED_LINGER.toNanos());
    }

    @Override
    public Sockets.PeerCredentials peer() {
        return peer;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public void onClose(Runnable action) {
        onClose.add(action);
    }

    void shutdown() {
        socket.shutdown();
    }

    @Override
    public void abandon() {
        socket.shutdown();
    }

    @Override
    public void send(ObjectNode parameters, boolean continues, int[] fds) throws IOException {
        ObjectNode reply = JsonNodeFactory.instance.objectNode();
        reply.set("parameters", parameters);
        if (continues) {
            reply.put("continues", true);
        }
        socket.write(json.bytes(reply), fds);
    }

    @Override
    public void error(VarlinkError error) throws IOException {
        ObjectNode reply = JsonNodeFactory.instance.objectNode();
        reply.put("error", error.error());
        reply.set("parameters", error.parameters());
        socket.write(json.bytes(reply), new int[0]);
    }
}
