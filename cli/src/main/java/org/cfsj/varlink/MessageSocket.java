package org.cfsj.varlink;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cfsj.sys.Epoll;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Sockets;

/**
 * A connected unix stream socket carrying varlink messages: JSON texts each ended by one NUL
 * byte, and file descriptors ({@code SCM_RIGHTS}) riding on the message they belong to.
 *
 * <p>Incoming fds belong to the message whose bytes they arrived with: the kernel attaches them
 * to the first byte of the sender's {@code sendmsg} and never merges a read across such a
 * boundary, so a batch of fds is assigned to the message containing that byte. Outgoing fds are
 * sent with the first byte of their message. Buffered input is bounded by
 * {@link VarlinkLimits#maxMessageBytes()}: a longer message is a {@link ProtocolException}; so is
 * an incomplete message holding more than {@link VarlinkLimits#maxFdsPerMessage()} fds (they are
 * closed at once: a connection never holds more) or not finished within
 * {@link VarlinkLimits#messageTimeout()} of its first byte. A write that cannot go on for
 * {@link VarlinkLimits#writeTimeout()} shuts the socket down and fails.
 *
 * <p>Used by one thread at a time. {@link #close()} closes the socket and every received fd no
 * message has handed out.
 */
final class MessageSocket implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    /** A message's JSON bytes (without the NUL) and the fds that came with it, owned by the reader. */
    record Message(byte[] json, int[] fds) {}

    /** The peer broke the framing rules: the stream cannot be trusted further. */
    static final class ProtocolException extends IOException {
        ProtocolException(String message) {
            super(message);
        }
    }

    private record FdBatch(long streamOffset, int[] fds) {}

    private final int fd;
    private final VarlinkLimits limits;
    private final Poller.Registration registration;
    private final MemorySegment chunk = Arena.ofAuto().allocate(CHUNK);
    private byte[] pending = new byte[0];
    private int pendingLength;
    /** Stream offset of {@code pending[0]}. */
    private long pendingStart;
    private final List<FdBatch> pendingFds = new ArrayList<>();
    /** Fds in {@link #pendingFds}. */
    private int pendingFdCount;
    /** When the message being assembled started ({@link System#nanoTime()}): its first byte, or the {@link #read} that found it begun. */
    private long messageStarted;
    private boolean closed;

    MessageSocket(int fd, VarlinkLimits limits, Poller poller) {
        this.fd = fd;
        this.limits = limits;
        this.registration = poller.register(fd);
    }

    int fd() {
        return fd;
    }

    /** The next message, or null when the peer closed the stream between messages. */
    Message read() throws IOException {
        int scanned = 0;
        messageStarted = System.nanoTime(); // time spent answering the last call is not the client's
        while (true) {
            for (int i = scanned; i < pendingLength; i++) {
                if (pending[i] == 0) {
                    return cut(i);
                }
            }
            scanned = pendingLength;
            if (pendingLength > limits.maxMessageBytes()) {
                throw new ProtocolException("message longer than " + limits.maxMessageBytes() + " bytes");
            }
            Sockets.Received r = Sockets.receive(fd, chunk);
            if (r == null) {
                long deadline = pendingLength == 0 && pendingFds.isEmpty() ? Long.MAX_VALUE
                        : messageStarted + limits.messageTimeout().toNanos();
                if (!registration.await(Epoll.EPOLLIN | Epoll.EPOLLRDHUP, deadline)) {
                    throw new ProtocolException("message not finished within " + limits.messageTimeout().toSeconds() + " s");
                }
                continue;
            }
            if (pendingLength == 0 && pendingFds.isEmpty()) {
                messageStarted = System.nanoTime();
            }
            if (r.fds().length > 0) {
                pendingFds.add(new FdBatch(pendingStart + pendingLength, r.fds()));
                pendingFdCount += r.fds().length;
                if (pendingFdCount > limits.maxFdsPerMessage()) {
                    closePendingFds();
                    throw new ProtocolException("more than " + limits.maxFdsPerMessage() + " fds on one message");
                }
            }
            if (r.bytes() == 0) {
                if (pendingLength == 0) {
                    return null;
                }
                throw new EOFException("connection closed inside a message");
            }
            append((int) r.bytes());
        }
    }

    private void append(int n) {
        if (pendingLength + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + n));
        }
        MemorySegment.copy(chunk, ValueLayout.JAVA_BYTE, 0, pending, pendingLength, n);
        pendingLength += n;
    }

    private Message cut(int nul) throws ProtocolException {
        if (nul > limits.maxMessageBytes()) {
            throw new ProtocolException("message longer than " + limits.maxMessageBytes() + " bytes");
        }
        byte[] json = Arrays.copyOf(pending, nul);
        long end = pendingStart + nul;
        int[] fds = new int[0];
        while (!pendingFds.isEmpty() && pendingFds.getFirst().streamOffset() <= end) {
            int[] batch = pendingFds.removeFirst().fds();
            pendingFdCount -= batch.length;
            int old = fds.length;
            fds = Arrays.copyOf(fds, old + batch.length);
            System.arraycopy(batch, 0, fds, old, batch.length);
        }
        int rest = pendingLength - nul - 1;
        System.arraycopy(pending, nul + 1, pending, 0, rest);
        pendingLength = rest;
        pendingStart = end + 1;
        if (pending.length > CHUNK * 4 && pendingLength < CHUNK) {
            pending = Arrays.copyOf(pending, CHUNK); // give back what one large message needed
        }
        if (fds.length > limits.maxFdsPerMessage()) {
            closeAll(fds);
            throw new ProtocolException(fds.length + " fds on one message; at most " + limits.maxFdsPerMessage());
        }
        return new Message(json, fds);
    }

    /** Sends {@code json} and its NUL, with {@code fds} on the first byte; waits while the peer's buffer is full. */
    void write(byte[] json, int[] fds) throws IOException {
        if (json.length > limits.maxMessageBytes()) {
            throw new ProtocolException("reply longer than " + limits.maxMessageBytes() + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(json.length + 1L);
            MemorySegment.copy(json, 0, data, ValueLayout.JAVA_BYTE, 0, json.length);
            long offset = 0;
            int[] attach = fds;
            long deadline = System.nanoTime() + limits.writeTimeout().toNanos();
            while (offset < data.byteSize()) {
                long n = Sockets.send(fd, data.asSlice(offset), attach);
                if (n < 0) {
                    if (!registration.await(Epoll.EPOLLOUT, deadline)) {
                        // the peer stopped reading: later writes and the reader fail too, so the call ends
                        shutdown();
                        throw new IOException("client did not read a reply within " + limits.writeTimeout().toSeconds() + " s");
                    }
                    continue;
                }
                offset += n;
                attach = new int[0];
            }
        }
    }

    /** Waits until the peer sent something or hung up, or until {@code deadline} ({@link System#nanoTime()} scale). */
    void awaitInput(long deadline) throws IOException {
        registration.await(Epoll.EPOLLIN | Epoll.EPOLLRDHUP, deadline);
    }

    /** Wakes a thread waiting on this socket (it then sees the end of the stream); the fd stays open. */
    void shutdown() {
        Sockets.shutdown(fd);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        registration.close();
        closePendingFds();
        FileCalls.close(fd);
    }

    private void closePendingFds() {
        for (FdBatch b : pendingFds) {
            closeAll(b.fds());
        }
        pendingFds.clear();
        pendingFdCount = 0;
    }

    static void closeAll(int[] fds) {
        for (int f : fds) {
            FileCalls.close(f);
        }
    }
}
