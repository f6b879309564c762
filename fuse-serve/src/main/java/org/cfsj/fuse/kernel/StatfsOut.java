package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_statfs_out} (80 bytes). Reply to STATFS.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record StatfsOut(Kstatfs st) {
    public static final int SIZE = 80;
    public static final int ST_OFFSET = 0;

    public static StatfsOut read(MemorySegment s, long at) {
        return new StatfsOut(
                Kstatfs.read(s, at + 0));
    }

    public void write(MemorySegment s, long at) {
        st.write(s, at + 0);
    }
}
