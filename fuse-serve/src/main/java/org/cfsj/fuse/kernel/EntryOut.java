package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_entry_out} (128 bytes). Reply to LOOKUP (and each READDIRPLUS entry); nodeid 0 is a cacheable negative entry.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record EntryOut(long nodeid, long generation, long entryValid, long attrValid, int entryValidNsec, int attrValidNsec, Attr attr) {
    public static final int SIZE = 128;
    public static final int NODEID_OFFSET = 0;
    public static final int GENERATION_OFFSET = 8;
    public static final int ENTRY_VALID_OFFSET = 16;
    public static final int ATTR_VALID_OFFSET = 24;
    public static final int ENTRY_VALID_NSEC_OFFSET = 32;
    public static final int ATTR_VALID_NSEC_OFFSET = 36;
    public static final int ATTR_OFFSET = 40;

    public static EntryOut read(MemorySegment s, long at) {
        return new EntryOut(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U64, at + 16),
                s.get(Kernel.U64, at + 24),
                s.get(Kernel.U32, at + 32),
                s.get(Kernel.U32, at + 36),
                Attr.read(s, at + 40));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, nodeid);
        s.set(Kernel.U64, at + 8, generation);
        s.set(Kernel.U64, at + 16, entryValid);
        s.set(Kernel.U64, at + 24, attrValid);
        s.set(Kernel.U32, at + 32, entryValidNsec);
        s.set(Kernel.U32, at + 36, attrValidNsec);
        attr.write(s, at + 40);
    }
}
