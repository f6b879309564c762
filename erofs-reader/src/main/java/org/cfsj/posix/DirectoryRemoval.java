package org.cfsj.posix;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes a directory tree whose content someone else wrote (a container's upper directory):
 * every directory is opened relative to its parent's open fd ({@link SecureDirectoryStream},
 * openat/unlinkat underneath), no symlink is followed, and no directory on another filesystem is
 * entered, so neither a symlink nor a mount inside the tree can make it delete anything outside.
 *
 * <p>Depth is bounded by {@link #MAX_DEPTH}: a deeper tree is refused rather than risking the stack.
 */
public final class DirectoryRemoval {
    /** How deep a tree may go: one open directory fd per level (the JVM raises its fd limit to the hard limit). */
    static final int MAX_DEPTH = 1024;

    private DirectoryRemoval() {}

    /** Removes {@code dir} and everything in it; nothing if it does not exist. */
    public static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + ": not a directory; not removed");
        }
        Object device = device(Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
                throw new IOException(dir + ": cannot be removed safely on this platform (no openat-based directory access)");
            }
            empty(secure, dir, device, 0);
        }
        Files.delete(dir);
    }

    private static void empty(SecureDirectoryStream<Path> dir, Path where, Object device, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException(where + ": nested more than " + MAX_DEPTH + " levels deep; not removed");
        }
        List<Path> names = new ArrayList<>();
        for (Path p : dir) {
            names.add(p.getFileName());
        }
        for (Path name : names) {
            BasicFileAttributes attrs;
            try {
                attrs = dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
            } catch (NoSuchFileException gone) {
                continue;
            }
            if (attrs.isDirectory()) {
                if (!device(attrs).equals(device)) {
                    throw new IOException(where.resolve(name) + ": another filesystem is mounted there; not removed");
                }
                try (SecureDirectoryStream<Path> sub = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                    empty(sub, where.resolve(name), device, depth + 1);
                }
                dir.deleteDirectory(name);
            } else {
                dir.deleteFile(name);
            }
        }
    }

    /** The device part of a file key ("(dev=803,ino=12)"): which filesystem the file is on. */
    private static Object device(BasicFileAttributes attrs) {
        Object key = attrs.fileKey();
        String s = String.valueOf(key);
        int comma = s.indexOf(',');
        return comma < 0 ? s : s.substring(0, comma);
    }
}
