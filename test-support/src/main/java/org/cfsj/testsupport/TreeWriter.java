package org.cfsj.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Map.Entry;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FileCreation;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.Xattrs;
import org.cfsj.tree.Bytes;
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
 * Writes a tree (e.g. {@link RandomTrees} with the ON_DISK profile) as a real directory, to be
 * turned into an image by {@code cfsj mkcomposefs}: every entry with its type, content, owner,
 * mode, xattrs and mtime; a node met under a second name becomes a hardlink to the first.
 *
 * <p>Everything goes through *at system calls with raw byte names: the JDK can neither create
 * names of any byte nor device nodes. Owner, mode, xattrs and mtime are set after an entry's
 * content (a directory's after its entries), in the order that keeps them: chown clears setuid.
 * Regular files need their content ({@link RegularFile#hasContent}).
 */
public final class TreeWriter {
    private final Map<Node, byte[]> written = new IdentityHashMap<>();

    private TreeWriter() {}

    /** Creates {@code root} (which must not exist) holding {@code tree}. */
    public static void write(Directory tree, Path root) throws IOException {
        byte[] rootPath = PathNames.bytes(root.toAbsolutePath());
        FileCreation.mkdirat(FileCalls.AT_FDCWD, rootPath, 0700, root.toString());
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, rootPath, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, root.toString());
        try {
            new TreeWriter().fill(fd, rootPath, tree);
        } finally {
            FileCalls.close(fd);
        }
        // the root's own metadata last: filling it changed its mtime
        finish(FileCalls.AT_FDCWD, rootPath, tree);
    }

    private void fill(int dirfd, byte[] path, Directory dir) throws IOException {
        for (Entry<byte[], Node> e : dir.entries().entrySet()) {
            byte[] name = e.getKey();
            Node node = e.getValue();
            byte[] child = child(path, name);
            String what = Bytes.str(child);
            byte[] first = written.get(node);
            if (first != null) {
                FileCreation.linkat(FileCalls.AT_FDCWD, first, dirfd, name, what + " -> " + Bytes.str(first));
                continue;
            }
            switch (node) {
                case Directory sub -> {
                    FileCreation.mkdirat(dirfd, name, 0700, what);
                    int fd = FileCalls.openat(dirfd, name, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, what);
                    try {
                        fill(fd, child, sub);
                    } finally {
                        FileCalls.close(fd);
                    }
                }
                case RegularFile f -> {
                    if (!f.hasContent()) {
                        throw new IllegalArgumentException(what + ": a regular file without content cannot be written");
                    }
                    FileCreation.createFile(dirfd, name, f.content(), what);
                }
                case Symlink s -> FileCreation.symlinkat(s.target(), dirfd, name, what);
                case Device d -> FileCreation.mknodat(dirfd, name, (d.isBlock() ? 0060000 : 0020000) | 0600, d.rdev(), what);
                case Fifo f -> FileCreation.mknodat(dirfd, name, 0010000 | 0644, 0, what);
                case Socket s -> FileCreation.mknodat(dirfd, name, 0140000 | 0755, 0, what);
                default -> throw new IllegalArgumentException(what + ": cannot write " + node);
            }
            finish(dirfd, name, node);
            if (!(node instanceof Directory)) {
                written.put(node, child);
            }
        }
    }

    /** Owner, mode, xattrs and mtime of a created entry, in the order that keeps them (chown clears setuid). */
    private static void finish(int dirfd, byte[] name, Node node) throws IOException {
        String what = Bytes.str(name);
        Metadata m = node.meta();
        FileCreation.lchownat(dirfd, name, m.uid(), m.gid(), what);
        if (!(node instanceof Symlink)) {
            FileCreation.chmodat(dirfd, name, m.permissions(), what);
        }
        byte[] path = dirfd == FileCalls.AT_FDCWD ? name : Xattrs.procPath(dirfd, name);
        for (Xattr x : m.xattrs()) {
            Xattrs.set(path, x.name(), x.value(), what);
        }
        FileCreation.lutimesat(dirfd, name, m.mtimeSec(), m.mtimeNsec(), what);
    }

    private static byte[] child(byte[] parent, byte[] name) {
        byte[] p = Arrays.copyOf(parent, parent.length + 1 + name.length);
        p[parent.length] = '/';
        System.arraycopy(name, 0, p, parent.length + 1, name.length);
        return p;
    }
}
