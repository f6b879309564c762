package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_in_header} (40 bytes). Header of every request.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record InHeader(int len, int opcode, long unique, long nodeid, int uid, int gid, int pid, int totalExtlen, int padding) {
    public static final int SIZE = 40;
    public static final int LEN_OFFSET = 0;
    public static final int OPCODE_OFFSET = 4;
    public static final int UNIQUE_OFFSET = 8;
    public static final int NODEID_OFFSET = 16;
    public static final int UID_OFFSET = 24;
    public static final int GID_OFFSET = 28;
    public static final int PID_OFFSET = 32;
    public static final int TOTAL_EXTLEN_OFFSET = 36;
    public static final int PADDING_OFFSET = 38;

    public static InHeader read(MemorySegment s, long at) {
        return new InHeader(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U64, at + 16),
                s.get(Kernel.U32, at + 24),
                s.get(Kernel.U32, at + 28),
                s.get(Kernel.U32, at + 32),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 36)),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 38)));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, len);
        s.set(Kernel.U32, at + 4, opcode);
        s.set(Kernel.U64, at + 8, unique);
        s.set(Kernel.U64, at + 16, nodeid);
        s.set(Kernel.U32, at + 24, uid);
        s.set(Kernel.U32, at + 28, gid);
        s.set(Kernel.U32, at + 32, pid);
        s.set(Kernel.U16, at + 36, (short) totalExtlen);
        s.set(Kernel.U16, at + 38, (short) padding);
    }
}
