package org.cfsj.oci.source;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Files inside an uncompressed tar archive, read in place with random access: archives can be
 * gigabytes, and unpacking them first would double the disk traffic of a pull.
 */
final class TarStore implements LayoutStore {
    private final Path file;
    private final TarFile tar;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();

    private TarStore(Path file, TarFile tar) {
        this.file = file;
        this.tar = tar;
        for (TarArchiveEntry e : tar.getEntries()) {
            if (e.isFile()) {
                entries.put(normalize(e.getName()), e);
            }
        }
    }

    static TarStore open(Path file) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        try {
            return new TarStore(file, new TarFile(file));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + ": not a readable tar archive: " + e.getMessage(), e);
        }
    }

    private static String normalize(String name) {
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        while (name.startsWith("/")) {
            name = name.substring(1);
        }
        return name;
    }

    boolean contains(String path) {
        return entries.containsKey(normalize(path));
    }

    @Override
    public InputStream open(String path) throws IOException {
        TarArchiveEntry e = entries.get(normalize(path));
        if (e == null) {
            throw new NoSuchFileException(file + ":" + path);
        }
        if (e.isSparse()) {
            throw new IOException(file + ":" + path + ": sparse archive members are not supported");
        }
        // One channel per stream: layers are read in parallel, and TarFile's own streams share a
        // channel position.
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(e.getDataOffset());
        return new BoundedInputStream(Channels.newInputStream(ch), e.getSize());
    }

    /** The first {@code remaining} bytes of a stream. */
    private static final class BoundedInputStream extends FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long size) {
            super(in);
            this.remaining = size;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
