package org.cfsj.tree;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * The depth-first walk over a tree that dumpfiles, listings and hardlink resolution share.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Iterative: an explicit stack holds one frame (an entry iterator) per directory on the
 *       current path, so the depth a walk can reach is bounded by memory only, never by the
 *       thread's stack.</li>
 *   <li>Order: each directory's entries are visited in its entry order ({@link Directory#entries},
 *       strcmp order); a directory's entry is visited before anything inside it, and the walk
 *       finishes a subdirectory before it visits the next entry of the parent.</li>
 *   <li>The start directory itself is not visited; its entries are, with paths {@code /name},
 *       and below them {@code /name/sub}, relative to the start.</li>
 *   <li>One path buffer serves the whole walk: it holds the current entry's path only, so memory
 *       grows linearly with depth (a copy per level would be quadratic).</li>
 *   <li>The visitor decides, per directory entry, whether the walk enters it: a node reachable by
 *       several names (a hardlinked or shared directory) is entered as often as its visitor says.</li>
 * </ul>
 */
public final class TreeWalk {
    private TreeWalk() {}

    /** Receives each entry of a walk. */
    @FunctionalInterface
    public interface Visitor<X extends Exception> {
        /**
         * Visits {@code name} in {@code parent}, which holds {@code node}. {@code path} is the
         * walk's single buffer, valid only during this call. Returns whether the walk enters
         * {@code node}; ignored unless it is a {@link Directory}.
         */
        boolean visit(Directory parent, byte[] name, Node node, PathBuffer path) throws X;
    }

    /** The path of the entry being visited, as bytes: "/" before each name from the start directory. */
    public static final class PathBuffer {
        private byte[] bytes = new byte[256];
        private int length;

        private PathBuffer() {}

        public int length() {
            return length;
        }

        /** A copy of the path's bytes. */
        public byte[] toBytes() {
            return Arrays.copyOf(bytes, length);
        }

        /** The path as an ISO-8859-1 string (one char per byte, see {@link Bytes}). */
        @Override
        public String toString() {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }

        private void append(byte[] name) {
            int needed = length + 1 + name.length;
            if (needed > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length * 2));
            }
            bytes[length] = '/';
            System.arraycopy(name, 0, bytes, length + 1, name.length);
            length = needed;
        }

        private void truncate(int newLength) {
            length = newLength;
        }
    }

    /** A directory on the current path: where its path ends and how far its entries have been visited. */
    private record Frame(Directory dir, int pathLength, Iterator<Map.Entry<byte[], Node>> entries) {
        Frame(Directory dir, int pathLength) {
            this(dir, pathLength, dir.entries().entrySet().iterator());
        }
    }

    /** Walks the tree under {@code start} (see the class invariants), calling {@code visitor} for each entry. */
    public static <X extends Exception> void walk(Directory start, Visitor<X> visitor) throws X {
        PathBuffer path = new PathBuffer();
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(start, 0));
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            path.truncate(f.pathLength());
            if (!f.entries().hasNext()) {
                stack.pop();
                continue;
            }
            Map.Entry<byte[], Node> e = f.entries().next();
            Node child = e.getValue();
            path.append(e.getKey());
            if (visitor.visit(f.dir(), e.getKey(), child, path) && child instanceof Directory d) {
                stack.push(new Frame(d, path.length()));
            }
        }
    }
}
