package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_attr_out} (104 bytes). Reply to GETATTR.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record AttrOut(long attrValid, int attrValidNsec, int dummy, Attr attr) {
    public static final int SIZE = 104;
    public static final int ATTR_VALID_OFFSET = 0;
    public static final int ATTR_VALID_NSEC_OFFSET = 8;
    public static final int DUMMY_OFFSET = 12;
    public static final int ATTR_OFFSET = 16;

    public static AttrOut read(MemorySegment s, long at) {
        return new AttrOut(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U32, at + 8),
                s.get(Kernel.U32, at + 12),
                Attr.read(s, at + 16));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, attrValid);
        s.set(Kernel.U32, at + 8, attrValidNsec);
        s.set(Kernel.U32, at + 12, dummy);
        attr.write(s, at + 16);
    }
}
