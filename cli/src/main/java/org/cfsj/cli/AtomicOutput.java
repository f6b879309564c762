package org.cfsj.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.cfsj.sys.FileCalls;

/**
 * Writes a file through a temp file in the same directory, synced and then renamed into place,
 * so that readers (and a crash) see either the old file or the whole new one, never a partial
 * one. {@code "-"} means stdout, which is refused when it is a terminal.
 */
final class AtomicOutput {
    /** Writes the body; the stream is buffered and must not be closed by the body. */
    interface Body {
        void write(OutputStream out) throws IOException;
    }

    private AtomicOutput() {}

    static void write(String target, Body body) throws IOException {
        if (target.equals("-")) {
            if (FileCalls.isatty(1)) {
                throw new IOException("stdout is a terminal; refusing to write a binary image to it");
            }
            OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
            body.write(out);
            out.flush();
            return;
        }
        Path dest = Path.of(target).toAbsolutePath();
        Path dir = dest.getParent();
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": no such directory");
        }
        if (Files.isDirectory(dest)) {
            throw new IOException(dest + ": is a directory");
        }
        Path tmp = Files.createTempFile(dir, "." + dest.getFileName() + ".", ".tmp");
        boolean done = false;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            body.write(out);
            out.flush();
            ch.force(true);
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
