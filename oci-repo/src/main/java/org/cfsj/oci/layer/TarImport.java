package org.cfsj.oci.layer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.cfsj.digest.HashContext;
import org.cfsj.repo.ObjectBatch;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.ObjectWriter;
import org.cfsj.repo.RepoLock;
import org.cfsj.repo.Repository;
import org.cfsj.repo.splitstream.SplitStreamFormat;
import org.cfsj.repo.splitstream.SplitStreamWriter;

/**
 * One layer import in progress (see {@link LayerImporter}): reads the tar on the calling thread
 * (its sha256 is the diff_id, so that part is sequential) and hands file contents to an {@link
 * ImportSequencer}, which stores them on worker threads.
 */
final class TarImport implements TarWalker.Input<ImportSequencer.Pending> {
    private static final Pattern DIFF_ID = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final int COPY_BUFFER = 1 << 16;
    /** Threads storing a layer's file objects: one per processor (the tar thread mostly reads and hashes). */
    private static final int WORKERS = Runtime.getRuntime().availableProcessors();

    private final Repository repo;
    private final String diffId;
    private final int workers;
    private final HashContext sha256 = HashContext.sha256();
    private final byte[] copyBuffer = new byte[COPY_BUFFER];
    private InputStream in;
    private ObjectBatch batch;
    private ImportSequencer sequencer;
    private long bytes;

    TarImport(Repository repo, String diffId) {
        this(repo, diffId, WORKERS);
    }

    /** @param workers threads storing file objects (1: the reading thread does it) */
    TarImport(Repository repo, String diffId, int workers) {
        checkDiffId(diffId);
        this.repo = repo;
        this.diffId = diffId;
        this.workers = workers;
    }

    static void checkDiffId(String diffId) {
        if (diffId == null || !DIFF_ID.matcher(diffId).matches()) {
            throw new IllegalArgumentException("not a layer diff_id (sha256:<64 lowercase hex>): " + diffId);
        }
    }

    static LayerImport present(Repository repo, String diffId) throws IOException {
        String name = LayerImporter.streamName(diffId);
        return new LayerImport(diffId, name, repo.streams().get(name).orElseThrow(), true, 0, 0, 0, 0);
    }

    LayerImport run(InputStream tar) throws IOException {
        return runWithTree(tar).result();
    }

    LayerImporter.Imported runWithTree(InputStream tar) throws IOException {
        String name = LayerImporter.streamName(diffId);
        try (RepoLock lock = repo.lock(RepoLock.Mode.SHARED); ObjectBatch pendingObjects = repo.objects().newBatch()) {
            if (repo.streams().has(name)) {
                return new LayerImporter.Imported(present(repo, diffId), null);
            }
            batch = pendingObjects;
            in = tar instanceof BufferedInputStream ? tar : new BufferedInputStream(tar, 1 << 16);
            // Closed on every path: its zstd context is native memory the garbage collector never frees.
            try (SplitStreamWriter stream = new SplitStreamWriter(repo.objects(), SplitStreamFormat.CONTENT_OCI_LAYER)) {
                LayerTreeBuilder tree = new LayerTreeBuilder();
                long members;
                // Closed (its workers stopped) before the batch: a failed import's files are then all known to it.
                try (ImportSequencer seq = new ImportSequencer(pendingObjects, stream, tree, workers)) {
                    sequencer = seq;
                    members = TarWalker.walk(this, seq::member);
                    seq.finish();
                }
                String actual = "sha256:" + HexFormat.of().formatHex(sha256.digest());
                if (!actual.equals(diffId)) {
                    throw new BadLayerException("layer content has digest " + actual
                            + " but the image says its diff_id is " + diffId + "; the layer was not stored");
                }
                pendingObjects.install();
                ObjectId id = stream.finish();
                repo.streams().link(name, id);
                return new LayerImporter.Imported(new LayerImport(diffId, name, id, false, bytes, members,
                        sequencer.objects(), sequencer.newObjects()), tree.result());
            }
        }
    }

    @Override
    public int readInline(byte[] buf, int off, int len) throws IOException {
        int n = in.readNBytes(buf, off, len);
        if (n > 0) {
            sha256.update(buf, off, n);
            sequencer.inline(buf, off, n);
            bytes += n;
        }
        return n;
    }

    @Override
    public ImportSequencer.Pending readExternal(long size, TarEntry entry) throws IOException {
        if (size <= ImportSequencer.PARALLEL_MAX) {
            // Read whole, hashed and written by a worker while the tar reading goes on.
            byte[] data = new byte[(int) size];
            int n = in.readNBytes(data, 0, data.length);
            if (n < size) {
                throw truncated(entry, size, n);
            }
            sha256.update(data);
            bytes += size;
            return sequencer.store(data);
        }
        // Too large to hold: streamed through a writer on this thread.
        try (ObjectWriter w = batch.newObject()) {
            long left = size;
            while (left > 0) {
                int n = in.read(copyBuffer, 0, (int) Math.min(left, copyBuffer.length));
                if (n < 0) {
                    throw truncated(entry, size, size - left);
                }
                sha256.update(copyBuffer, 0, n);
                w.write(copyBuffer, 0, n);
                left -= n;
            }
            bytes += size;
            ObjectId id = w.commit();
            return sequencer.stored(id, size, w.stored());
        }
    }

    private static BadLayerException truncated(TarEntry entry, long size, long got) {
        return new BadLayerException("truncated tar: content of " + entry.pathString() + " (at byte " + entry.offset()
                + ") is cut off after " + got + " of " + size + " bytes");
    }

    @Override
    public void readTrailer() throws IOException {
        int n;
        while ((n = in.read(copyBuffer)) > 0) {
            sha256.update(copyBuffer, 0, n);
            sequencer.inline(copyBuffer, 0, n);
            bytes += n;
        }
    }
}
