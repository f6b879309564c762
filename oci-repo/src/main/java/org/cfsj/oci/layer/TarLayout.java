package org.cfsj.oci.layer;

/** Facts of the tar format and of how cfsj splits layers. */
public final class TarLayout {
    /** Tar block size: headers and content padding are in units of it. */
    public static final int BLOCK = 512;
    /**
     * Regular files up to this many bytes stay inline (in the splitstream and in the composefs
     * image); larger ones become objects. composefs-rs uses the same limit.
     */
    public static final int INLINE_MAX = 64;

    private TarLayout() {}

    static long padding(long size) {
        return (BLOCK - (size % BLOCK)) % BLOCK;
    }
}
