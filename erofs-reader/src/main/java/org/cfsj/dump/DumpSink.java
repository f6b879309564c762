package org.cfsj.dump;

import java.util.ArrayList;
import java.util.List;
import org.cfsj.erofs.write.WriterNode;
import org.cfsj.erofs.write.WriterTree;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Socket;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;

/**
 * What {@link DumpfileParser} makes of the lines it checked: a node per non-hardlink line, made as
 * soon as the line is read, and entries naming them (a node's own line is its primary entry, a
 * hardlink line a further name, added once all lines are read). Two forms: the tree model
 * ({@link DirectorySink}) and the image writer's tree ({@link WriterTreeSink}), which skips the
 * model for {@code mkcomposefs}.
 */
sealed interface DumpSink permits DumpSink.DirectorySink, DumpSink.WriterTreeSink {
    /** A node of the full st_mode {@code mode} and the line's checked fields. */
    Object node(int mode, DumpFields f);

    void root(Object dir);

    void entry(Object dir, byte[] name, Object node, boolean primary);

    /** Builds the {@link Directory} model. */
    final class DirectorySink implements DumpSink {
        private Directory root;

        @Override
        public Object node(int mode, DumpFields f) {
            List<Xattr> xattrs = new ArrayList<>(f.xattrCount);
            for (int i = 0; i < f.xattrCount; i++) {
                xattrs.add(new Xattr(f.xattrNames[i], f.xattrValues[i]));
            }
            Metadata m = new Metadata(mode & ~Node.S_IFMT, f.uid, f.gid, f.mtimeSec, f.mtimeNsec, f.nlink, xattrs);
            return switch (mode & Node.S_IFMT) {
                case Node.S_IFDIR -> {
                    Directory d = new Directory(m);
                    d.setSize(f.size);
                    yield d;
                }
                case Node.S_IFREG -> new RegularFile(m, f.size, f.content,
                        f.payload == null ? null : org.cfsj.tree.Bytes.str(f.payload), f.digest);
                case Node.S_IFLNK -> new Symlink(m, f.payload);
                case Node.S_IFBLK -> new Device(m, true, f.rdev);
                case Node.S_IFCHR -> new Device(m, false, f.rdev);
                case Node.S_IFIFO -> new Fifo(m);
                default -> new Socket(m); // the parser checked the mode names a valid type
            };
        }

        @Override
        public void root(Object dir) {
            root = (Directory) dir;
        }

        @Override
        public void entry(Object dir, byte[] name, Object node, boolean primary) {
            if (primary) {
                ((Directory) dir).add(name, (Node) node);
            } else {
                ((Directory) dir).addHardlink(name, (Node) node);
            }
        }

        Directory root() {
            return root;
        }
    }

    /** Builds the image writer's {@link WriterTree} directly. */
    final class WriterTreeSink implements DumpSink {
        private final WriterTree tree = new WriterTree();

        @Override
        public Object node(int mode, DumpFields f) {
            WriterNode w = tree.node(mode, f.uid, f.gid, f.nlink, f.mtimeSec, f.mtimeNsec, f.size, f.rdev, f.content,
                    f.payload, f.digest);
            for (int i = 0; i < f.xattrCount; i++) {
                tree.xattr(w, f.xattrNames[i], f.xattrValues[i]);
            }
            return w;
        }

        @Override
        public void root(Object dir) {
            tree.setRoot((WriterNode) dir);
        }

        @Override
        public void entry(Object dir, byte[] name, Object node, boolean primary) {
            tree.entry((WriterNode) dir, name, (WriterNode) node, primary);
        }

        WriterTree tree() {
            return tree;
        }
    }
}
