package org.cfsj.fuse;

import java.lang.foreign.MemorySegment;
import org.cfsj.fuse.kernel.Kernel;
import org.cfsj.fuse.kernel.OutHeader;
import org.cfsj.sys.Errno;
import org.cfsj.sys.Io;
import org.cfsj.sys.SysException;

/**
 * The /dev/fuse reply path of one worker: a preallocated buffer (header, then payload) written
 * with a single writev on the fd the request was read from, optionally followed by a second
 * iovec pointing at bytes that already exist elsewhere (e.g. a mapped image), so they are not
 * copied. Also the way notifications go to the kernel, whatever the transport of requests.
 */
final class DeviceReply implements Reply {
    private final int fd;
    private final MemorySegment buffer;
    private final MemorySegment payload;
    private final MemorySegment iov;
    private boolean deviceGone;

    /** @param iov room for two iovecs (32 bytes, 8-aligned) */
    DeviceReply(int fd, MemorySegment buffer, MemorySegment iov) {
        this.fd = fd;
        this.buffer = buffer;
        this.payload = buffer.asSlice(OutHeader.SIZE);
        this.iov = iov;
    }

    @Override
    public MemorySegment payload() {
        return payload;
    }

    @Override
    public boolean deviceGone() {
        return deviceGone;
    }

    @Override
    public void ok(long unique, int payloadLength) {
        send(unique, 0, payloadLength, null);
    }

    @Override
    public void okWith(long unique, int payloadLength, MemorySegment extra) {
        send(unique, 0, payloadLength, extra);
    }

    @Override
    public void error(long unique, int errno) {
        send(unique, -errno, 0, null);
    }

    /**
     * Sends a notification (unique 0, the notify code in place of the error) with {@code
     * payloadLength} bytes of {@link #payload()} and then {@code extra}. Returns false if the
     * kernel refused it (ENOENT: e.g. the inode is not cached) or the device is gone.
     */
    boolean notify(int code, int payloadLength, MemorySegment extra) {
        return write(0, code, payloadLength, extra) == null;
    }

    private void send(long unique, int error, int payloadLength, MemorySegment extra) {
        SysException e = write(unique, error, payloadLength, extra);
        if (e != null) {
            switch (e.errno()) {
                case Errno.ENOENT -> {
                    // the request was interrupted and is gone: nothing to answer
                }
                case Errno.ENODEV -> {
                    // unmounted: deviceGone() says so
                }
                default -> Log.info("replying to request " + unique + " failed: " + e.getMessage());
            }
        }
    }

    /** One writev of header, payload and extra; null, or how it failed. */
    private SysException write(long unique, int error, int payloadLength, MemorySegment extra) {
        long extraLength = extra == null ? 0 : extra.byteSize();
        long total = OutHeader.SIZE + payloadLength + extraLength;
        buffer.set(Kernel.U32, OutHeader.LEN_OFFSET, (int) total);
        buffer.set(Kernel.U32, OutHeader.ERROR_OFFSET, error);
        buffer.set(Kernel.U64, OutHeader.UNIQUE_OFFSET, unique);
        Io.setIovec(iov, 0, buffer, OutHeader.SIZE + payloadLength);
        int count = 1;
        if (extraLength > 0) {
            Io.setIovec(iov, 1, extra, extraLength);
            count = 2;
        }
        try {
            Io.writev(fd, iov, count);
            return null;
        } catch (SysException e) {
            if (e.errno() == Errno.ENODEV) {
                deviceGone = true;
            }
            return e;
        }
    }
}
