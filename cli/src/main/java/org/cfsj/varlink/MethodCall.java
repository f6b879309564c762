package org.cfsj.varlink;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.sys.FileCalls;

/**
 * One call as a handler sees it, and the way it answers.
 *
 * <p>Replies: {@link #replyContinues} any number of times (only when the client asked for
 * {@code more}), then {@link #reply} once; a {@code oneway} call's replies are dropped. Fds:
 * {@link #attachFd} adds an fd to the next reply message and returns its index in that message's
 * fd list (what cfsctl's replies name {@code fd_index}); the call owns it from then on and closes it
 * once sent. Received fds ({@link #fd}) stay owned by the call and are closed when the handler
 * returns, unless the handler {@link #takeFd takes} one.
 */
public final class MethodCall {
    /** Where replies go: the connection, as the dispatcher's send function. */
    interface ReplySink {
        void send(ObjectNode parameters, boolean continues, int[] fds) throws IOException;

        void error(VarlinkError error) throws IOException;

        /** Shuts the connection down: the client cannot be served what it asked for. */
        void abandon();
    }

    /** Frames one call's {@link #stream} holds at most before the client counts as not keeping up. */
    static final int STREAM_CAPACITY = 1024;

    private final Call call;
    private final ReplySink sink;
    private final VarlinkConnection connection;
    private final List<Integer> attached = new ArrayList<>();
    private final int[] received;
    private boolean replied;
    private ReplyStream stream;

    MethodCall(Call call, ReplySink sink, VarlinkConnection connection) {
        this.call = call;
        this.sink = sink;
        this.connection = connection;
        this.received = call.fds().clone();
    }

    /** The connection the call came on. */
    public VarlinkConnection connection() {
        return connection;
    }

    /** The unqualified method name. */
    public String method() {
        return call.member();
    }

    /** The call's parameters, already checked against the method's input type. */
    public ObjectNode parameters() {
        return call.parameters();
    }

    public boolean more() {
        return call.more();
    }

    public boolean oneway() {
        return call.oneway();
    }

    /** For a method that streams: refuses a call without {@code more} ({@code ExpectedMore}). */
    public void requireMore() throws VarlinkError {
        if (!call.more()) {
            throw VarlinkError.expectedMore();
        }
    }

    /** How many fds came with the call. */
    public int fdCount() {
        return received.length;
    }

    /** The received fd at {@code index}, still owned by the call (closed when the handler returns). */
    public int fd(int index) {
        int fd = received[index];
        if (fd < 0) {
            throw new IllegalStateException("fd " + index + " was taken");
        }
        return fd;
    }

    /** The received fd at {@code index}, now owned by the caller. */
    public int takeFd(int index) {
        int fd = fd(index);
        received[index] = -1;
        return fd;
    }

    /** Adds {@code fd} (ownership passes to the call) to the next reply; its index there. */
    public int attachFd(int fd) {
        attached.add(fd);
        return attached.size() - 1;
    }

    /** A {@code continues: true} reply; the call must have {@code more}. */
    public void replyContinues(ObjectNode parameters) throws IOException {
        if (!call.more()) {
            throw new IllegalStateException("replyContinues on a call without more");
        }
        if (stream != null) {
            throw new IllegalStateException("this call's continues replies go through its stream");
        }
        send(parameters, true);
    }

    /**
     * The call's {@link ReplyStream}: {@code continues} replies any thread may offer without
     * waiting for the client (see there). The call must have {@code more}; once the stream exists
     * {@link #replyContinues} is not used.
     */
    public synchronized ReplyStream stream() {
        if (!call.more()) {
            throw new IllegalStateException("a stream on a call without more");
        }
        if (stream == null) {
            stream = new ReplyStream(this, STREAM_CAPACITY);
        }
        return stream;
    }

    void writeContinues(ObjectNode parameters) throws IOException {
        send(parameters, true);
    }

    void abandonConnection() {
        sink.abandon();
    }

    /** Lets the stream, if any, deliver what waits and stop, so the last reply follows it. */
    void endStream() {
        ReplyStream s;
        synchronized (this) {
            s = stream;
        }
        if (s != null) {
            s.finish();
        }
    }

    /** The last reply. */
    public void reply(ObjectNode parameters) throws IOException {
        if (replied) {
            throw new IllegalStateException("a call has one last reply");
        }
        endStream();
        send(parameters, false);
        replied = true;
    }

    boolean replied() {
        return replied;
    }

    private void send(ObjectNode parameters, boolean continues) throws IOException {
        int[] fds = attached.stream().mapToInt(Integer::intValue).toArray();
        attached.clear();
        try {
            if (!call.oneway()) {
                sink.send(parameters == null ? JsonNodeFactory.instance.objectNode() : parameters, continues, fds);
            }
        } finally {
            MessageSocket.closeAll(fds);
        }
    }

    /** Closes what the handler left: attached fds never sent and received fds never taken. */
    void release() {
        MessageSocket.closeAll(attached.stream().mapToInt(Integer::intValue).toArray());
        attached.clear();
        for (int i = 0; i < received.length; i++) {
            if (received[i] >= 0) {
                FileCalls.close(received[i]);
                received[i] = -1;
            }
        }
    }
}
