package org.cfsj.tree;

/**
 * A block or character device. A character device with rdev 0 is an overlayfs whiteout.
 *
 * @see #isWhiteout()
 */
public final class Device implements Node {
    private Metadata meta;
    private final boolean block;
    private final long rdev;

    public Device(Metadata meta, boolean block, long rdev) {
        this.meta = meta;
        this.block = block;
        this.rdev = rdev;
    }

    @Override
    public Metadata meta() {
        return meta;
    }

    @Override
    public void setMeta(Metadata meta) {
        this.meta = meta;
    }

    @Override
    public int typeBits() {
        return block ? S_IFBLK : S_IFCHR;
    }

    public boolean isBlock() {
        return block;
    }

    /** The encoded st_rdev (glibc's makedev encoding). */
    public long rdev() {
        return rdev;
    }

    public boolean isWhiteout() {
        return !block && rdev == 0;
    }
}
