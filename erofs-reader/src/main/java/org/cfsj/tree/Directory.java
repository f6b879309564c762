package org.cfsj.tree;

import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A directory: entries by name, kept in strcmp order (the order EROFS dirents and dumpfiles use).
 * Never contains "." or "..", nor any name {@link Limits#nameProblem} refuses: every way in
 * checks, and throws {@link InvalidEntryException}.
 *
 * <p>An entry is either a node's primary name or a hardlink: a second name for a node whose
 * primary name is elsewhere ({@link #addHardlink}). composefs keeps that distinction (a
 * dumpfile's {@code @} lines, the inode order of the image), so the model does too. Where a
 * source has no such notion, the first occurrence in a depth-first walk in name order is the
 * primary, and unmarked duplicates are treated that way (see {@link Hardlinks}).
 */
public final class Directory implements Node {
    private Metadata meta;
    private long size;
    private final TreeMap<byte[], Node> entries = new TreeMap<>(Bytes.ORDER);
    private final TreeSet<byte[]> hardlinkNames = new TreeSet<>(Bytes.ORDER);

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

    /** Adds an entry as the node's primary name; returns false (and changes nothing) if the name exists. */
    public boolean add(byte[] name, Node node) {
        Limits.requireName(name);
        return entries.putIfAbsent(name.clone(), node) == null;
    }

    /** Adds a hardlink: a further name for a node whose primary name is elsewhere. */
    public boolean addHardlink(byte[] name, Node node) {
        if (node instanceof Directory) {
            throw new IllegalArgumentException("directories cannot be hardlinked");
        }
        Limits.requireName(name);
        byte[] key = name.clone();
        if (entries.putIfAbsent(key, node) != null) {
            return false;
        }
        hardlinkNames.add(key);
        return true;
    }

    /** Whether this entry was added with {@link #addHardlink}. */
    public boolean isHardlink(byte[] name) {
        return hardlinkNames.contains(name);
    }

    /** Replaces or adds an entry as a primary name. */
    public Node put(byte[] name, Node node) {
        Limits.requireName(name);
        hardlinkNames.remove(name);
        return entries.put(name.clone(), node);
    }

    public Node remove(byte[] name) {
        hardlinkNames.remove(name);
        return entries.remove(name);
    }

    public void clear() {
        entries.clear();
        hardlinkNames.clear();
    }
}
