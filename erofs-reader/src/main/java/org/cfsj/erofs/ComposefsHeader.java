package org.cfsj.erofs;

/**
 * The 32-byte composefs header at offset 0 of a composefs image ({@code struct lcfs_erofs_header_s}).
 *
 * @param version          header version ({@link ErofsLayout#COMPOSEFS_VERSION} = 1)
 * @param flags            {@link ErofsLayout#COMPOSEFS_FLAGS_HAS_ACL}
 * @param composefsVersion the image format version the writer was asked for (0 or 1)
 */
public record ComposefsHeader(int magic, int version, int flags, int composefsVersion) {}
