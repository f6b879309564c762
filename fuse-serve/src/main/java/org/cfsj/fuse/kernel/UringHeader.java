package org.cfsj.fuse.kernel;

/**
 * {@code struct fuse_uring_req_header} (288 bytes) and the FUSE io_uring commands: the first
 * buffer of every ring entry. The kernel puts a request's {@code fuse_in_header} at
 * {@link #IN_OUT_OFFSET}, its first argument (the opcode's fixed-size struct, if it has one) at
 * {@link #OP_IN_OFFSET} and the rest (names, data) in the entry's payload buffer; the server puts
 * its {@code fuse_out_header} at {@link #IN_OUT_OFFSET} and the whole reply body in the payload
 * buffer, with its size in the {@link UringEntInOut} at {@link #RING_ENT_IN_OUT_OFFSET}.
 */
public final class UringHeader {
    public static final int SIZE = 288;
    public static final int IN_OUT_OFFSET = 0;
    public static final int OP_IN_OFFSET = 128;
    public static final int RING_ENT_IN_OUT_OFFSET = 256;
    /** FUSE_URING_IN_OUT_HEADER_SZ: room for the in or out header. */
    public static final int IN_OUT_HEADER_SZ = 128;
    /** FUSE_URING_OP_IN_OUT_SZ: room for an opcode's first argument. */
    public static final int OP_IN_OUT_SZ = 128;

    /** enum fuse_uring_cmd: hand the kernel an entry's buffers; it completes with the entry's first request. */
    public static final int CMD_REGISTER = 1;
    /** enum fuse_uring_cmd: answer the entry's request; it completes with the entry's next request. */
    public static final int CMD_COMMIT_AND_FETCH = 2;

    private UringHeader() {}
}
