package org.cfsj.tree;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.IdentityHashMap;

/**
 * Decides which entry is each node's primary name: the first entry not marked as a hardlink in a
 * depth-first walk in name order, else (a node reachable only through hardlink entries) the
 * first hardlink entry. Dumpfile printers write the primary as a full line and the others as
 * {@code @} lines; the EROFS writer gives the node its inode number where the primary sits.
 */
public final class Hardlinks {
    /** Where a node's primary entry is: its directory and its name there. */
    private record Primary(Directory parent, byte[] name) {}

    private final Directory root;
    private final IdentityHashMap<Node, Primary> primaries = new IdentityHashMap<>(1024);
    private boolean unresolvedLinks;

    private Hardlinks(Directory root) {
        this.root = root;
    }

    /** Computes primaries for the tree under root (the root itself is its own primary, path "/"). */
    public static Hardlinks of(Directory root) {
        Hardlinks h = new Hardlinks(root);
        h.walk(root, false);
        if (h.unresolvedLinks) {
            h.walk(root, true);
        }
        return h;
    }

    // Pass 1 takes unmarked entries only; pass 2 (rarely needed) gives nodes seen only through
    // hardlinks a primary. A directory is entered only from its primary entry.
    private void walk(Directory top, boolean acceptLinks) {
        TreeWalk.walk(top, (parent, name, child, path) -> {
            Primary p = primaries.get(child);
            if (p == null) {
                if (acceptLinks || !parent.isHardlink(name)) {
                    p = new Primary(parent, name);
                    primaries.put(child, p);
                } else {
                    unresolvedLinks = true;
                }
            }
            return p != null && p.parent == parent;
        });
    }

    /** Whether {@code name} in {@code dir} is the primary entry of {@code node}. */
    public boolean isPrimary(Directory dir, byte[] name, Node node) {
        Primary p = primaries.get(node);
        return p != null && p.parent == dir && Arrays.equals(p.name, name);
    }

    /** The absolute path (ISO-8859-1) of a node's primary entry, or null if it is not in the tree. */
    public String primaryPath(Node node) {
        if (node == root) {
            return "/";
        }
        ArrayDeque<byte[]> names = new ArrayDeque<>();
        Node cur = node;
        while (cur != root) {
            Primary p = primaries.get(cur);
            if (p == null || names.size() > primaries.size()) {
                return null;
            }
            names.push(p.name);
            cur = p.parent;
        }
        StringBuilder sb = new StringBuilder();
        for (byte[] n : names) {
            sb.append('/').append(Bytes.str(n));
        }
        return sb.toString();
    }
}
