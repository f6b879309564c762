package org.cfsj.dump;

import org.cfsj.tree.Node;

/**
 * Where one line of a dumpfile put its entry: the directory entry and its name, the node the
 * {@link DumpSink} made of the line (none for a hardlink line), and for a hardlink line the
 * path it names and, once resolved, the entry that holds the data. The line's other fields go
 * straight to the sink; this is all the parser keeps per line, to resolve later paths.
 */
final class DumpEntry {
    final int line;
    final int mode;
    final boolean hardlink;
    /** Its number in input order, for hashing (parent, name) ({@link ChildIndex}). */
    int id;
    /** Where the entry sits: its directory (null for the root) and its name there. */
    DumpEntry parent;
    byte[] name;
    int nameHash;
    /** The sink's node of this line; null for a hardlink line. */
    Object node;
    /** Hardlink lines: the path of the entry named, and (once resolved) the entry holding the data. */
    byte[] hardlinkTarget;
    DumpEntry target;

    DumpEntry(int line, int mode, boolean hardlink) {
        this.line = line;
        this.mode = mode;
        this.hardlink = hardlink;
    }

    boolean isDir() {
        return (mode & Node.S_IFMT) == Node.S_IFDIR;
    }
}
