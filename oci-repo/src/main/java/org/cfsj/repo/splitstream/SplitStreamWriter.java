package org.cfsj.repo.splitstream;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.ObjectStore;
import org.cfsj.verity.VerityAlgorithm;
import org.cfsj.repo.ObjectWriter;

/**
 * Builds a splitstream (see {@link SplitStreamFormat}) and stores it as an object. Inline bytes
 * are gathered and emitted as one chunk when an external chunk follows, when {@link
 * #MAX_INLINE_CHUNK} bytes have gathered, or at the end; so equal input always gives an equal
 * file, and so an equal object id.
 *
 * <p>The compressed stream is kept in memory: after the file data is split out, tar metadata
 * compresses to a small fraction of a layer. Not thread-safe.
 *
 * <p>The zstd context is native memory (a few MiB) that only {@link #finish()} or {@link
 * #close()} frees, not the garbage collector: a writer must be closed on every path, also when
 * what it was writing is abandoned (a refused layer).
 */
public final class SplitStreamWriter implements AutoCloseable {
    /** Largest inline chunk the writer emits (the format allows any size). */
    public static final int MAX_INLINE_CHUNK = 1 << 20;

    private final ObjectStore objects;
    private final long contentType;
    private final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    private final OutputStream zstd;
    private final ByteArrayOutputStream pendingInline = new ByteArrayOutputStream();
    private final Map<ObjectId, Integer> objectRefs = new LinkedHashMap<>();
    private final Map<ObjectId, Integer> streamRefs = new LinkedHashMap<>();
    private final TreeMap<String, ObjectId> namedRefs = new TreeMap<>();
    private final byte[] chunkHeader = new byte[8];
    private long streamSize;
    private boolean finished;

    public SplitStreamWriter(ObjectStore objects, long contentType) {
        this.objects = objects;
        this.contentType = contentType;
        try {
            this.zstd = new ZstdOutputStreamNoFinalizer(compressed, SplitStreamFormat.ZSTD_LEVEL);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Appends bytes that stay in the splitstream. */
    public void writeInline(byte[] b, int off, int len) throws IOException {
        checkOpen();
        while (len > 0) {
            int n = Math.min(len, MAX_INLINE_CHUNK - pendingInline.size());
            pendingInline.write(b, off, n);
            off += n;
            len -= n;
            streamSize += n;
            if (pendingInline.size() == MAX_INLINE_CHUNK) {
                flushInline();
            }
        }
    }

    public void writeInline(byte[] b) throws IOException {
        writeInline(b, 0, b.length);
    }

    /** Appends the content of an object already stored in the repository ({@code size} bytes). */
    public void writeExternal(ObjectId id, long size) throws IOException {
        checkOpen();
        flushInline();
        Integer index = objectRefs.computeIfAbsent(id, k -> objectRefs.size());
        writeChunkHeader(index);
        streamSize += size;
    }

    /** Stores {@code data} as an object and appends it as an external chunk. */
    public ObjectId writeExternal(byte[] data) throws IOException {
        ObjectId id = objects.store(data);
        writeExternal(id, data.length);
        return id;
    }

    /** Appends an external chunk whose content comes from a committed {@link ObjectWriter}. */
    public void writeExternal(ObjectWriter committed) throws IOException {
        writeExternal(committed.commit(), committed.size());
    }

    /**
     * Records a named reference to another stream or object (by object id); GC keeps what named
     * refs point to. A second ref with the same name replaces the first.
     */
    public void addNamedRef(String name, ObjectId target) {
        checkOpen();
        if (name.indexOf('\0') >= 0 || name.isEmpty()) {
            throw new IllegalArgumentException("invalid named ref: " + name);
        }
        namedRefs.put(name, target);
    }

    /** Total content size so far (inline plus external). */
    public long streamSize() {
        return streamSize;
    }

    /** Writes the splitstream as an object and returns its id. The writer is done afterwards. */
    public ObjectId finish() throws IOException {
        checkOpen();
        try {
            flushInline();
        } finally {
            finished = true;
            zstd.close();
        }
        // Stream refs: referenced by named refs, in name order (deterministic).
        for (ObjectId target : namedRefs.values()) {
            streamRefs.computeIfAbsent(target, k -> streamRefs.size());
        }
        byte[] named = encodeNamedRefs();
        byte[] stream = compressed.toByteArray();

        VerityAlgorithm alg = objects.algorithm();
        long streamRefsStart = SplitStreamFormat.HEADER_SIZE + SplitStreamFormat.INFO_SIZE;
        long objectRefsStart = streamRefsStart + (long) streamRefs.size() * alg.digestSize();
        long streamStart = objectRefsStart + (long) objectRefs.size() * alg.digestSize();
        long namedStart = streamStart + stream.length;
        long end = namedStart + named.length;

        try (ObjectWriter out = objects.newObject()) {
            LittleEndianOut le = new LittleEndianOut(out);
            out.write(SplitStreamFormat.MAGIC);
            le.u8(SplitStreamFormat.VERSION);
            le.u16(0);
            le.u8(alg.code());
            le.u8(VerityAlgorithm.LG_BLOCK_SIZE);
            le.range(SplitStreamFormat.HEADER_SIZE, SplitStreamFormat.HEADER_SIZE + SplitStreamFormat.INFO_SIZE);
            le.range(streamRefsStart, objectRefsStart);
            le.range(objectRefsStart, streamStart);
            le.range(streamStart, namedStart);
            le.range(namedStart, end);
            le.u64(contentType);
            le.u64(streamSize);
            for (ObjectId id : streamRefs.keySet()) {
                out.write(reference(id, alg));
            }
            for (ObjectId id : objectRefs.keySet()) {
                out.write(reference(id, alg));
            }
            out.write(stream);
            out.write(named);
            return out.commit();
        }
    }

    /** The bytes of a reference, which must name an object of this repository's algorithm. */
    private static byte[] reference(ObjectId id, VerityAlgorithm alg) {
        if (id.algorithm() != alg) {
            throw new IllegalArgumentException("reference " + id + " is not a " + alg.repoName() + " object id");
        }
        return id.bytes();
    }

    /**
     * Frees the zstd context; a writer not finished stores nothing. Idempotent, and a no-op after
     * {@link #finish()}.
     */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            zstd.close(); // frees the context also when ending the frame fails
        } catch (IOException e) {
            // the frame is being abandoned: into a byte array, nothing else can fail
        }
    }

    private byte[] encodeNamedRefs() {
        if (namedRefs.isEmpty()) {
            return new byte[0];
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, ObjectId> e : namedRefs.entrySet()) {
            sb.append(streamRefs.get(e.getValue())).append(':').append(e.getKey()).append('\0');
        }
        return Zstd.compress(sb.toString().getBytes(StandardCharsets.UTF_8), SplitStreamFormat.ZSTD_LEVEL);
    }

    private void flushInline() throws IOException {
        int n = pendingInline.size();
        if (n == 0) {
            return;
        }
        writeChunkHeader(-(long) n);
        pendingInline.writeTo(zstd);
        pendingInline.reset();
    }

    private void writeChunkHeader(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            chunkHeader[i] = (byte) (v >>> (8 * i));
        }
        zstd.write(chunkHeader);
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("splitstream already finished");
        }
    }

    /** Little-endian integers onto a stream. */
    private record LittleEndianOut(OutputStream out) {
        void u8(int v) throws IOException {
            out.write(v);
        }

        void u16(int v) throws IOException {
            u8(v & 0xff);
            u8((v >>> 8) & 0xff);
        }

        void u64(long v) throws IOException {
            for (int i = 0; i < 8; i++) {
                out.write((int) (v >>> (8 * i)) & 0xff);
            }
        }

        void range(long start, long end) throws IOException {
            u64(start);
            u64(end);
        }
    }
}
