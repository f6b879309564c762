package org.cfsj.oci.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.oci.layer.LayerImporter;
import org.cfsj.oci.layer.LayerTree;
import org.cfsj.oci.layer.LayerTrees;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.ObjectWriter;
import org.cfsj.repo.RepoLock;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.splitstream.SplitStreamReader;
import org.cfsj.tree.Directory;

/**
 * Builds the composefs image of a stored OCI image: rebuilds each layer's tree from its
 * splitstream, merges them bottom-up ({@link LayerMerger}: OCI whiteouts, opaque directories,
 * most-derived directory metadata, root metadata from {@code /usr}, {@code /run} emptied),
 * writes the EROFS image with {@link ComposefsImageWriter} into the object store, links
 * {@code images/<id>} and records it on the config. The id is the image's fs-verity digest, a
 * function of the layers alone: same layers, same id, on any machine.
 */
public final class ImageBuilder {
    private ImageBuilder() {}

    /** Builds the composefs image of {@code nameOrDigest} and returns its id. Lock: shared. */
    public static ObjectId createImage(Repository repo, String nameOrDigest) throws IOException {
        return createImage(repo, nameOrDigest, Map.of());
    }

    /**
     * As {@link #createImage(Repository, String)}, with the trees of layers just imported (by
     * diff_id, as {@link LayerImporter#importLayerWithTree} gives them), which are then not read
     * back from the repository. Each given tree is used at most once (the merge takes its
     * nodes), so a layer listed twice is read for its second use. The result is the same image.
     */
    public static ObjectId createImage(Repository repo, String nameOrDigest, Map<String, LayerTree> imported)
            throws IOException {
        try (RepoLock lock = repo.lock(RepoLock.Mode.SHARED)) {
            OciImage image = OciImages.resolve(repo, nameOrDigest);
            ObjectId id = writeImage(repo, mergedTree(repo, image, imported));
            OciImages.recordImage(repo, image, id);
            return id;
        }
    }

    /**
     * The composefs image file of {@code image} (stored under {@code name}), built first if the
     * image has none yet; checked as every object is read (no symlink followed inside
     * {@code objects/}, content against its name) before its path is returned: what a mount
     * of the image (by the CLI or by the service) mounts.
     */
    public static Path imageFile(Repository repo, OciImage image, String name) throws IOException {
        ObjectId id = image.imageId().isPresent() ? image.imageId().get() : createImage(repo, image.manifestDigest());
        return repo.objects().verifiedPath(id, "composefs image " + id.hex() + " of " + name);
    }

    /**
     * Builds the composefs image of the layers {@code diffIds} (bottom first; each imported
     * already) and links it under {@code images/}, before any config or manifest names it: a pull
     * then writes its config stream once, with the image recorded, instead of writing it and
     * rewriting it (which left the first version for gc). Until a config names it, gc may take
     * it. Lock: shared.
     */
    public static ObjectId buildImage(Repository repo, List<String> diffIds, Map<String, LayerTree> imported)
            throws IOException {
        try (RepoLock lock = repo.lock(RepoLock.Mode.SHARED)) {
            return writeImage(repo, mergedTree(repo, diffIds, null, imported));
        }
    }

    private static ObjectId writeImage(Repository repo, Directory root) throws IOException {
        ObjectId id;
        try (ObjectWriter w = repo.objects().newObject()) {
            ComposefsImageWriter.write(root, ComposefsImageWriter.Options.DEFAULT, w);
            id = w.commit();
        }
        repo.images().link(id);
        return id;
    }

    /** The merged tree of an image's layers, as it goes into the composefs image. */
    public static Directory mergedTree(Repository repo, OciImage image) throws IOException {
        return mergedTree(repo, image, Map.of());
    }

    private static Directory mergedTree(Repository repo, OciImage image, Map<String, LayerTree> imported)
            throws IOException {
        return mergedTree(repo, image.diffIds(), image, imported);
    }

    /** The merge of {@code diffIds}' layers: found through {@code image}'s config when given, else by their stream names. */
    private static Directory mergedTree(Repository repo, List<String> diffIds, OciImage image,
            Map<String, LayerTree> imported) throws IOException {
        Map<String, LayerTree> unused = new HashMap<>(imported);
        SplitStreamReader config = image == null ? null : SplitStreamReader.open(repo.objects(), image.configStream());
        LayerMerger merger = new LayerMerger();
        for (String diffId : diffIds) {
            LayerTree tree = unused.remove(diffId);
            if (tree != null) {
                merger.apply(tree);
                continue;
            }
            ObjectId layer = (config == null ? Optional.<ObjectId>empty() : config.namedRef(diffId))
                    .or(() -> repo.streams().get(LayerImporter.streamName(diffId)))
                    .orElseThrow(() -> new RepositoryException("layer " + diffId
                            + (image == null ? "" : " of " + image.manifestDigest()) + " is not in the repository"));
            merger.apply(LayerTrees.read(repo, SplitStreamReader.open(repo.objects(), layer)));
        }
        return merger.finish();
    }
}
