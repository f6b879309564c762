package org.cfsj.scan;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Where an entry is, as the chain of raw names below the scanned root. Entries of one directory
 * share their parent's chain, so remembering the path of every large file costs one small object
 * each. Used to reopen a file later (component by component, so PATH_MAX never matters) and to
 * name it in error messages.
 */
record EntryPath(EntryPath parent, byte[] name, String rootDisplay) {
    static EntryPath root(String rootDisplay) {
        return new EntryPath(null, null, rootDisplay);
    }

    EntryPath child(byte[] childName) {
        return new EntryPath(this, childName, null);
    }

    boolean isRoot() {
        return parent == null;
    }

    /** Names from the root down to this entry (empty for the root). */
    Deque<byte[]> components() {
        Deque<byte[]> out = new ArrayDeque<>();
        for (EntryPath p = this; !p.isRoot(); p = p.parent) {
            out.addFirst(p.name);
        }
        return out;
    }

    /** For people: root as given, then the names decoded as UTF-8 (invalid bytes shown as U+FFFD). */
    String display() {
        EntryPath root = this;
        while (!root.isRoot()) {
            root = root.parent;
        }
        StringBuilder sb = new StringBuilder(root.rootDisplay);
        for (byte[] n : components()) {
            appendName(sb, n);
        }
        return sb.toString();
    }

    /** Appends one name to a display path as {@link #display()} writes it; returns {@code sb}. */
    static StringBuilder appendName(StringBuilder sb, byte[] name) {
        if (sb.isEmpty() || sb.charAt(sb.length() - 1) != '/') {
            sb.append('/');
        }
        return sb.append(new String(name, StandardCharsets.UTF_8));
    }
}
