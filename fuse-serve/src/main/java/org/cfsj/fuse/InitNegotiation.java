package org.cfsj.fuse;

import static org.cfsj.fuse.kernel.Kernel.*;

import org.cfsj.fuse.kernel.InitIn;
import org.cfsj.fuse.kernel.InitOut;

/**
 * The INIT handshake as a pure function: from what the kernel offers and what the session wants,
 * the reply and the features both sides agreed on.
 */
final class InitNegotiation {
    /**
     * What every session asks for; each is only used if the kernel offers it. POSIX_ACL makes the
     * kernel enforce the image's ACLs as the kernel composefs mount does.
     */
    static final long WANTED = ASYNC_READ | PARALLEL_DIROPS | DO_READDIRPLUS | READDIRPLUS_AUTO | MAX_PAGES
            | CACHE_SYMLINKS | EXPORT_SUPPORT | POSIX_ACL;
    static final int MAX_BACKGROUND = 64;
    static final int CONGESTION_THRESHOLD = 48;

    /**
     * The outcome.
     *
     * @param reply   the fuse_init_out to send, or null when the session must answer {@code error}
     * @param granted the features in effect (flags | flags2 << 32)
     * @param minor   the protocol minor both sides speak
     * @param error   a negative errno when the kernel is too old or speaks another major version
     */
    record Result(InitOut reply, long granted, int minor, int error, String problem) {
        boolean has(long flag) {
            return (granted & flag) != 0;
        }
    }

    private InitNegotiation() {}

    /**
     * @param in         the kernel's fuse_init_in
     * @param bodyLength how many bytes of it the kernel sent (16 before protocol 7.36)
     */
    static Result negotiate(InitIn in, int bodyLength, boolean passthrough) {
        return negotiate(in, bodyLength, passthrough, false);
    }

    /** The features the kernel offers (flags | flags2 << 32 when it sent them). */
    static long offered(InitIn in, int bodyLength) {
        long offered = Integer.toUnsignedLong(in.flags());
        if ((offered & INIT_EXT) != 0 && bodyLength >= InitIn.SIZE) {
            offered |= Integer.toUnsignedLong(in.flags2()) << 32;
        }
        return offered;
    }

    /** @param uring also take FUSE_OVER_IO_URING if offered (the session has its rings ready) */
    static Result negotiate(InitIn in, int bodyLength, boolean passthrough, boolean uring) {
        if (in.major() > KERNEL_VERSION) {
            // a newer major: answer with ours only; the kernel then sends INIT again with it
            return new Result(new InitOut(KERNEL_VERSION, KERNEL_MINOR_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0,
                    KERNEL_MINOR_VERSION, 0, null);
        }
        if (in.major() < KERNEL_VERSION || in.minor() < MIN_MINOR_VERSION) {
            return new Result(null, 0, in.minor(), -org.cfsj.sys.Errno.EPROTO,
                    "the kernel speaks FUSE protocol " + in.major() + "." + in.minor() + "; cfsj needs 7."
                            + MIN_MINOR_VERSION + " or newer");
        }
        long offered = offered(in, bodyLength);
        long wanted = WANTED | INIT_EXT | (passthrough ? PASSTHROUGH : 0) | (uring ? OVER_IO_URING : 0);
        long granted = offered & wanted;
        int minor = Math.min(in.minor(), KERNEL_MINOR_VERSION);
        int maxStackDepth = (granted & PASSTHROUGH) != 0 ? 1 : 0;
        InitOut out = new InitOut(
                KERNEL_VERSION,
                KERNEL_MINOR_VERSION,
                in.maxReadahead(),
                (int) granted,
                MAX_BACKGROUND,
                CONGESTION_THRESHOLD,
                SessionOptions.MAX_READ,
                1, // time_gran: nanosecond timestamps
                SessionOptions.MAX_PAGES,
                0,
                (granted & INIT_EXT) != 0 ? (int) (granted >>> 32) : 0,
                maxStackDepth,
                0);
        return new Result(out, granted, minor, 0, null);
    }
}
