package org.cfsj.dump;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Hardlinks;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.TreeWalk;
import org.cfsj.tree.Xattr;

/**
 * Prints a tree as a composefs dumpfile (composefs-dump(5)), one line per entry, depth first in
 * name order, as {@code composefs-info dump} does; the walk is iterative, so any depth prints.
 * Xattrs are printed sorted by name, so the output of a tree is canonical whatever order its
 * source listed them in (C composefs-info prints an image's inline xattrs before its shared
 * ones; both forms parse to the same image).
 */
public final class DumpfilePrinter {
    private final OutputStream out;
    private final Hardlinks hardlinks;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    private DumpfilePrinter(OutputStream out, Hardlinks hardlinks) {
        this.out = out;
        this.hardlinks = hardlinks;
    }

    public static void print(Directory root, OutputStream out) throws IOException {
        DumpfilePrinter p = new DumpfilePrinter(out, Hardlinks.of(root));
        p.entry(Bytes.of("/"), root, false);
        p.children(root);
        out.flush();
    }

    public static String toString(Directory root) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            print(root, buf);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    // Only a node's primary entry is followed: its other names are @ lines, and a directory's
    // contents are printed once, below its primary path.
    private void children(Directory top) throws IOException {
        TreeWalk.walk(top, (parent, name, child, path) -> {
            boolean primary = hardlinks.isPrimary(parent, name, child);
            entry(path.toBytes(), child, !primary);
            return primary;
        });
    }

    private void entry(byte[] path, Node node, boolean hardlink) throws IOException {
        line.reset();
        DumpEscaper.escape(line, path, DumpEscaper.Style.STANDARD);
        var m = node.meta();
        long size = switch (node) {
            case RegularFile f -> f.size();
            case Symlink s -> s.length();
            case Directory d -> d.size();
            default -> 0;
        };
        long rdev = node instanceof Device d ? d.rdev() : 0;
        ascii(" " + Long.toUnsignedString(size) + " " + (hardlink ? "@" : "") + Integer.toOctalString(node.mode())
                + " " + Integer.toUnsignedString(m.nlink()) + " " + Integer.toUnsignedString(m.uid())
                + " " + Integer.toUnsignedString(m.gid()) + " " + Long.toUnsignedString(rdev)
                + " " + m.mtimeSec() + "." + Integer.toUnsignedString(m.mtimeNsec()) + " ");

        byte[] payload = switch (node) {
            case RegularFile f when !hardlink -> f.payload() == null ? null : Bytes.of(f.payload());
            case Symlink s when !hardlink -> s.target();
            default -> hardlink ? Bytes.of(hardlinks.primaryPath(node)) : null;
        };
        optional(payload);
        line.write(' ');
        optional(node instanceof RegularFile f && f.size() > 0 ? f.content() : null);
        line.write(' ');
        byte[] digest = node instanceof RegularFile f ? f.digest() : null;
        ascii(digest == null ? "-" : HexFormat.of().formatHex(digest));

        List<Xattr> xattrs = new ArrayList<>(m.xattrs());
        xattrs.sort((a, b) -> Bytes.ORDER.compare(a.nameView(), b.nameView()));
        for (Xattr x : xattrs) {
            line.write(' ');
            DumpEscaper.escape(line, x.nameView(), DumpEscaper.Style.EQUAL);
            line.write('=');
            DumpEscaper.escape(line, x.valueView(), DumpEscaper.Style.EQUAL);
        }
        line.write('\n');
        line.writeTo(out);
    }

    private void optional(byte[] value) {
        if (value == null) {
            line.write('-');
        } else {
            DumpEscaper.escape(line, value, DumpEscaper.Style.LONE_DASH);
        }
    }

    private void ascii(String s) {
        line.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }
}
