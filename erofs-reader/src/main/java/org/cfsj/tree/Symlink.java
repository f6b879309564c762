package org.cfsj.tree;

/** A symbolic link; the target is raw bytes, never empty. st_size is the target length. */
public final class Symlink implements Node {
    private Metadata meta;
    private final byte[] target;

    public Symlink(Metadata meta, byte[] target) {
        if (target.length == 0) {
            throw new IllegalArgumentException("empty symlink target");
        }
        this.meta = meta;
        this.target = target.clone();
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
        return S_IFLNK;
    }

    public byte[] target() {
        return target.clone();
    }

    public int length() {
        return target.length;
    }
}
