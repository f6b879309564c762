package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_getxattr_out} (8 bytes). Reply to a GETXATTR/LISTXATTR size probe (request size 0).
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record GetxattrOut(int size, int padding) {
    public static final int SIZE = 8;
    public static final int SIZE_OFFSET = 0;
    public static final int PADDING_OFFSET = 4;

    public static GetxattrOut read(MemorySegment s, long at) {
        return new GetxattrOut(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, size);
        s.set(Kernel.U32, at + 4, padding);
    }
}
