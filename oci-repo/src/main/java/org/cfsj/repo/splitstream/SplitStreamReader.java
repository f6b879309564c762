package org.cfsj.repo.splitstream;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.ObjectStore;
import org.cfsj.repo.RepositoryException;
import org.cfsj.verity.VerityAlgorithm;

/**
 * Reads a splitstream object (see {@link SplitStreamFormat}): its references, named refs and
 * content chunks. The file is small (file data lives in other objects), so it is read whole.
 */
public final class SplitStreamReader {
    private final ObjectStore objects;
    private final ObjectId id;
    private final byte[] file;
    private final long contentType;
    private final long streamSize;
    private final List<ObjectId> streamRefs;
    private final List<ObjectId> objectRefs;
    private final SortedMap<String, ObjectId> namedRefs;
    private final int streamStart;
    private final int streamEnd;

    private SplitStreamReader(ObjectStore objects, ObjectId id, byte[] file) throws RepositoryException {
        this.objects = objects;
        this.id = id;
        this.file = file;
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (file.length < SplitStreamFormat.HEADER_SIZE || !SplitStreamFormat.hasMagic(file)) {
            throw bad("not a splitstream (no magic)");
        }
        int version = file[11] & 0xff;
        int alg = file[14] & 0xff;
        int lg = file[15] & 0xff;
        if (version != SplitStreamFormat.VERSION) {
            throw bad("splitstream version " + version + " is not supported");
        }
        if (alg != objects.algorithm().code() || lg != VerityAlgorithm.LG_BLOCK_SIZE) {
            throw bad("fs-verity algorithm " + alg + "/" + lg + " is not this repository's "
                    + objects.algorithm().repoName());
        }
        int[] info = range(b, 16);
        if (info[1] - info[0] < SplitStreamFormat.INFO_SIZE) {
            throw bad("info section too small");
        }
        int i = info[0];
        int[] sRefs = range(b, i);
        int[] oRefs = range(b, i + 16);
        int[] stream = range(b, i + 32);
        int[] named = range(b, i + 48);
        this.contentType = b.getLong(i + 64);
        this.streamSize = b.getLong(i + 72);
        this.streamRefs = digests(sRefs);
        this.objectRefs = digests(oRefs);
        this.streamStart = stream[0];
        this.streamEnd = stream[1];
        this.namedRefs = Collections.unmodifiableSortedMap(parseNamed(named));
    }

    /** Reads and parses the splitstream object {@code id}. */
    public static SplitStreamReader open(ObjectStore objects, ObjectId id) throws IOException {
        return new SplitStreamReader(objects, id, objects.read(id));
    }

    /** Parses splitstream bytes (e.g. an object file read elsewhere); {@code objects} serves external chunks. */
    public static SplitStreamReader parse(ObjectStore objects, ObjectId id, byte[] file) throws RepositoryException {
        return new SplitStreamReader(objects, id, file);
    }

    public ObjectId id() {
        return id;
    }

    public long contentType() {
        return contentType;
    }

    /** Fails unless the stream has the expected content type (guards against opening the wrong kind). */
    public SplitStreamReader requireContentType(long expected, String what) throws RepositoryException {
        if (contentType != expected) {
            throw bad("is not " + what + " (content type 0x" + Long.toHexString(contentType) + ")");
        }
        return this;
    }

    /** Size of the reassembled content. */
    public long streamSize() {
        return streamSize;
    }

    public List<ObjectId> streamRefs() {
        return streamRefs;
    }

    /** Objects the content refers to, in order of first appearance. */
    public List<ObjectId> objectRefs() {
        return objectRefs;
    }

    /** Named references, by name. */
    public SortedMap<String, ObjectId> namedRefs() {
        return namedRefs;
    }

    public Optional<ObjectId> namedRef(String name) {
        return Optional.ofNullable(namedRefs.get(name));
    }

    /** The content chunks in order. */
    public ChunkIterator chunks() {
        return new ChunkIterator();
    }

    /** Reassembles the original content onto {@code out}. */
    public void writeContent(OutputStream out) throws IOException {
        try (ChunkIterator it = chunks()) {
            for (Chunk c = it.next(); c != null; c = it.next()) {
                switch (c) {
                    case Chunk.Inline in -> out.write(in.data());
                    case Chunk.External ex -> {
                        try (InputStream obj = objects.open(ex.id())) {
                            obj.transferTo(out);
                        }
                    }
                }
            }
        }
    }

    /** The reassembled content in memory (for small streams such as OCI JSON). */
    public byte[] readContent() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(streamSize, 1 << 20));
        writeContent(out);
        return out.toByteArray();
    }

    /** Pulls chunks one by one from the compressed stream section. */
    public final class ChunkIterator implements AutoCloseable {
        private final InputStream in;
        private final byte[] header = new byte[8];

        private ChunkIterator() {
            try {
                in = streamStart == streamEnd
                        ? InputStream.nullInputStream()
                        : new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(file, streamStart, streamEnd - streamStart));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** The next chunk, or null after the last. */
        public Chunk next() throws IOException {
            int n = in.readNBytes(header, 0, 8);
            if (n == 0) {
                return null;
            }
            if (n < 8) {
                throw bad("truncated chunk header");
            }
            long v = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (v < 0) {
                if (-v > Integer.MAX_VALUE - 8) {
                    throw bad("inline chunk of " + -v + " bytes is too large");
                }
                byte[] data = in.readNBytes((int) -v);
                if (data.length != -v) {
                    throw bad("truncated inline chunk");
                }
                return new Chunk.Inline(data);
            }
            if (v >= objectRefs.size()) {
                throw bad("chunk refers to object " + v + " of " + objectRefs.size());
            }
            return new Chunk.External(objectRefs.get((int) v));
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private int[] range(ByteBuffer b, int at) throws RepositoryException {
        if (at < 0 || at + 16 > file.length) {
            throw bad("section table out of range");
        }
        long start = b.getLong(at);
        long end = b.getLong(at + 8);
        if (start < 0 || end < start || end > file.length) {
            throw bad("section [" + start + ", " + end + ") out of range");
        }
        return new int[] {(int) start, (int) end};
    }

    private List<ObjectId> digests(int[] r) throws RepositoryException {
        int len = r[1] - r[0];
        int size = objects.algorithm().digestSize();
        if (len % size != 0) {
            throw bad("reference array size " + len + " is not a multiple of " + size);
        }
        List<ObjectId> out = new ArrayList<>(len / size);
        for (int p = r[0]; p < r[1]; p += size) {
            out.add(ObjectId.of(java.util.Arrays.copyOfRange(file, p, p + size)));
        }
        return Collections.unmodifiableList(out);
    }

    private TreeMap<String, ObjectId> parseNamed(int[] r) throws RepositoryException {
        TreeMap<String, ObjectId> out = new TreeMap<>();
        if (r[0] == r[1]) {
            return out;
        }
        byte[] text;
        try (InputStream in = new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(file, r[0], r[1] - r[0]))) {
            text = in.readAllBytes();
        } catch (IOException e) {
            throw bad("named refs do not decompress: " + e.getMessage());
        }
        int start = 0;
        for (int p = 0; p < text.length; p++) {
            if (text[p] != 0) {
                continue;
            }
            String rec = new String(text, start, p - start, StandardCharsets.UTF_8);
            start = p + 1;
            int colon = rec.indexOf(':');
            int index;
            try {
                index = Integer.parseInt(rec.substring(0, Math.max(colon, 0)));
            } catch (NumberFormatException e) {
                throw bad("malformed named ref: " + rec);
            }
            if (index < 0 || index >= streamRefs.size()) {
                throw bad("named ref " + rec + " is out of range");
            }
            out.put(rec.substring(colon + 1), streamRefs.get(index));
        }
        if (start != text.length) {
            throw bad("named refs not NUL-terminated");
        }
        return out;
    }

    private RepositoryException bad(String what) {
        return new RepositoryException("splitstream " + id + ": " + what);
    }
}
