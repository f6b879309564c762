package org.cfsj.tree;

/** A named pipe. */
public final class Fifo implements Node {
    private Metadata meta;

    public Fifo(Metadata meta) {
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
        return S_IFIFO;
    }
}
