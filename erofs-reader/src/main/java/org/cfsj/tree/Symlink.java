package org.cfsj.tree;

/**
 * A symbolic link; the target is raw bytes that {@link Limits#symlinkTargetProblem} accepts
 * (never empty, no NUL, at most {@value Limits#SYMLINK_MAX} bytes). st_size is the target length.
 */
public final class Symlink implements Node {
    private Metadata meta;
    private final byte[] target;

    public Symlink(Metadata meta, byte[] target) {
        Limits.requireSymlinkTarget(target);
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
