package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.COMPOSEFS_HEADER_SIZE;
import static org.cfsj.erofs.ErofsLayout.COMPOSEFS_MAGIC;
import static org.cfsj.erofs.LittleEndian.put32;
import static org.cfsj.erofs.LittleEndian.u32;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The 32-byte composefs header at offset 0 of a composefs image ({@code struct lcfs_erofs_header_s});
 * read and written here only. Bytes after the four fields are reserved and written as zeros.
 *
 * @param version          header version ({@link ErofsLayout#COMPOSEFS_VERSION} = 1)
 * @param flags            {@link ErofsLayout#COMPOSEFS_FLAGS_HAS_ACL}
 * @param composefsVersion the image format version the writer was asked for (0 or 1)
 */
public record ComposefsHeader(int magic, int version, int flags, int composefsVersion) {
    public static final int MAGIC = 0;
    public static final int VERSION = 4;
    public static final int FLAGS = 8;
    public static final int COMPOSEFS_VERSION = 12;

    /** The header of an image, or empty when it does not start with the composefs magic (plain EROFS). */
    public static Optional<ComposefsHeader> read(MemorySegment image) {
        if (image.byteSize() < COMPOSEFS_HEADER_SIZE || (int) u32(image, MAGIC) != COMPOSEFS_MAGIC) {
            return Optional.empty();
        }
        return Optional.of(new ComposefsHeader((int) u32(image, MAGIC), (int) u32(image, VERSION),
                (int) u32(image, FLAGS), (int) u32(image, COMPOSEFS_VERSION)));
    }

    /** Writes the {@link ErofsLayout#COMPOSEFS_HEADER_SIZE} bytes of the header at {@code dst}'s start. */
    public void write(MemorySegment dst) {
        MemorySegment s = dst.asSlice(0, COMPOSEFS_HEADER_SIZE);
        s.fill((byte) 0);
        put32(s, MAGIC, magic);
        put32(s, VERSION, version);
        put32(s, FLAGS, flags);
        put32(s, COMPOSEFS_VERSION, composefsVersion);
    }
}
