package org.cfsj.tree;

/** A unix socket (only its inode; no listener). */
public final class Socket implements Node {
    private Metadata meta;

    public Socket(Metadata meta) {
        this.meta = meta;
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
        return S_IFSOCK;
    }
}
