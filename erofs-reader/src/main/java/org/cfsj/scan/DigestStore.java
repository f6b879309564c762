package org.cfsj.scan;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A directory of content objects named by digest ({@code xx/rest}), filled the way
 * {@code mkcomposefs --digest-store} does: an object that exists is never rewritten, and a new
 * one is written to a temporary file in its final directory, synced and renamed into place, so a
 * crash leaves either the whole object or none.
 */
public final class DigestStore {
    private final Path root;

    public DigestStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /**
     * Copies {@code source} to {@code objectPath} (relative, e.g. {@code "3d/248c..."}) unless an
     * object is already there. Returns true if it copied.
     */
    public boolean put(Path source, String objectPath) throws IOException {
        Path target = root.resolve(objectPath);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".tmp-", "");
        try {
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
                    FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                // transferTo between files uses copy_file_range (reflinks where the fs can)
                long size = in.size();
                for (long pos = 0; pos < size; ) {
                    long n = in.transferTo(pos, size - pos, out);
                    if (n <= 0) {
                        break; // the source shrank; what was read is what the digest saw last
                    }
                    pos += n;
                }
                out.force(true);
            }
            // objects are shared content: readable by all, like mkcomposefs makes them
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
