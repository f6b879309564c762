package org.cfsj.oci.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.splitstream.Chunk;
import org.cfsj.repo.splitstream.SplitStreamFormat;
import org.cfsj.repo.splitstream.SplitStreamReader;

/** Rebuilds the file tree of an imported layer from its splitstream (nothing is cached at import). */
public final class LayerTrees {
    private LayerTrees() {}

    /**
     * The tree of layer {@code diffId} as its tar describes it: whiteout files ({@code .wh.*})
     * are kept as entries for the merge to interpret; directories the tar did not list (only
     * implied by deeper paths) are marked in {@link LayerTree#implicitDirs()}. External files
     * are checked to exist with the right size (a stat each, not a digest).
     */
    public static LayerTree read(Repository repo, String diffId) throws IOException {
        String name = LayerImporter.streamName(diffId);
        if (!repo.streams().has(name)) {
            throw new RepositoryException("layer " + diffId + " is not in the repository");
        }
        return read(repo, SplitStreamReader.open(repo.objects(), repo.streams().require(name)));
    }

    /** The tree of a layer splitstream already opened. */
    public static LayerTree read(Repository repo, SplitStreamReader layer) throws IOException {
        layer.requireContentType(SplitStreamFormat.CONTENT_OCI_LAYER, "a layer");
        LayerTreeBuilder builder = new LayerTreeBuilder();
        try (SplitStreamReader.ChunkIterator chunks = layer.chunks()) {
            TarWalker.walk(new Replay(repo, layer.id(), chunks), builder);
        } catch (BadLayerException e) {
            throw new RepositoryException("layer stream " + layer.id() + " is damaged: " + e.getMessage());
        }
        return builder.result();
    }

    /** Feeds the walker from the chunks of a splitstream. */
    private static final class Replay implements TarWalker.Input<ObjectId> {
        private final Repository repo;
        private final ObjectId streamId;
        private final SplitStreamReader.ChunkIterator chunks;
        private byte[] current = new byte[0];
        private int pos;

        Replay(Repository repo, ObjectId streamId, SplitStreamReader.ChunkIterator chunks) {
            this.repo = repo;
            this.streamId = streamId;
            this.chunks = chunks;
        }

        @Override
        public int readInline(byte[] buf, int off, int len) throws IOException {
            if (pos == current.length) {
                Chunk c = chunks.next();
                if (c == null) {
                    return -1;
                }
                if (!(c instanceof Chunk.Inline in)) {
                    throw damaged("file content where tar metadata was expected");
                }
                current = in.data();
                pos = 0;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, buf, off, n);
            pos += n;
            return n;
        }

        @Override
        public ObjectId readExternal(long size, TarEntry entry) throws IOException {
            if (pos != current.length) {
                throw damaged("tar metadata where the content of " + entry.pathString() + " was expected");
            }
            if (!(chunks.next() instanceof Chunk.External ex)) {
                throw damaged("no object for the content of " + entry.pathString());
            }
            Path p = repo.objects().path(ex.id());
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new RepositoryException("object " + ex.id() + " (" + entry.pathString()
                        + ") is missing from the repository; run 'cfsj fsck'");
            }
            if (Files.size(p) != size) {
                throw new RepositoryException("object " + ex.id() + " (" + entry.pathString() + ") has "
                        + Files.size(p) + " bytes, the tar says " + size + "; run 'cfsj fsck'");
            }
            return ex.id();
        }

        @Override
        public void readTrailer() {}

        private RepositoryException damaged(String what) {
            return new RepositoryException("layer stream " + streamId + " is damaged: " + what);
        }
    }
}
