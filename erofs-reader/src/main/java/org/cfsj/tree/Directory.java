package org.cfsj.tree;

import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A directory: entries by name, kept in strcmp order (the order EROFS dirents and dumpfiles use).
 * Never contains "." or "..".
 */
public final class Directory implements Node {
    private Metadata meta;
    private long size;
    private final TreeMap<byte[], Node> entries = new TreeMap<>(Bytes.ORDER);

    public Directory(Metadata meta) {
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
        return S_IFDIR;
    }

    /** st_size as the source reported it (an image's directory size); writers compute their own. */
    public long size() {
        return size;
    }

    public void setSize(long size) {
        this.size = size;
    }

    public NavigableMap<byte[], Node> entries() {
        return Collections.unmodifiableNavigableMap(entries);
    }

    public Node get(byte[] name) {
        return entries.get(name);
    }

    public Node get(String name) {
        return entries.get(Bytes.of(name));
    }

    /** Adds an entry; returns false (and changes nothing) if the name exists. */
    public boolean add(byte[] name, Node node) {
        return entries.putIfAbsent(name.clone(), node) == null;
    }

    public Node put(byte[] name, Node node) {
        return entries.put(name.clone(), node);
    }

    public Node remove(byte[] name) {
        return entries.remove(name);
    }

    public void clear() {
        entries.clear();
    }
}
