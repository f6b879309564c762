package org.cfsj.oci.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.cfsj.oci.image.ImageBuilder;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import org.cfsj.oci.layer.LayerImport;
import org.cfsj.oci.layer.LayerImporter;
import org.cfsj.oci.layer.LayerTree;
import org.cfsj.oci.layer.WorkerFailure;
import org.cfsj.oci.source.BlobDigestException;
import org.cfsj.oci.source.Descriptor;
import org.cfsj.oci.source.Digest;
import org.cfsj.oci.source.ImageSource;
import org.cfsj.oci.source.ManifestException;
import org.cfsj.oci.source.ResolvedImage;
import org.cfsj.oci.source.VerifyingInputStream;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;

/**
 * Pulls one image into a repository:
 *
 * <ol>
 *   <li>resolve the manifest (through an index for the platform) and read the config, both
 *       digest-checked;
 *   <li>for every layer whose diff_id is not yet in the repository, in parallel (bounded):
 *       download → decompress (gzip / zstd / plain by magic) on one thread ({@link
 *       InflatingPipe}) → {@link LayerImporter} on another, which checks the diff_id; the blob's
 *       own digest is checked before the importer sees the end of its stream, so a tampered blob
 *       never becomes a linked layer;
 *   <li>store config and manifest (raw bytes), untagged;
 *   <li>build and link the composefs image unless told not to;
 *   <li>last, point the tag at the manifest.
 * </ol>
 *
 * A failure at any point leaves the name, and everything it reaches, as it was: objects written
 * so far are unreferenced (gc removes them), and the image the name had keeps it. Two pulls of
 * one image may run at once: imports are idempotent and the repository serializes what must be
 * serialized.
 */
public final class Puller {
    private static final long MAX_CONFIG = 16 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Repository repo;
    private final PullProgress progress;

    public Puller(Repository repo, PullProgress progress) {
        this.repo = repo;
        this.progress = progress;
    }

    public PullResult pull(ImageSource source, PullOptions options) throws IOException {
        ResolvedImage image = source.resolveManifest(options.platform());
        progress.resolved(source.describe(), image);
        byte[] config = source.readBlob(image.parsed().config(), MAX_CONFIG);
        List<String> diffIds = diffIds(config, image);

        AtomicLong downloaded = new AtomicLong();
        Map<String, LayerTree> trees = new ConcurrentHashMap<>();
        List<LayerImport> layers = fetchLayers(source, image.parsed().layers(), diffIds, options.parallelism(), downloaded,
                trees);

        Optional<ObjectId> imageId = Optional.empty();
        if (options.createImage()) {
            progress.step("building composefs image");
            // The trees the imports built: the layers need not be read back. Built before the
            // config is stored, so that the config stream is written once, naming it.
            imageId = Optional.of(ImageBuilder.buildImage(repo, diffIds, trees));
        }
        progress.step("storing manifest " + image.manifest().digest());
        // Stored untagged, then tagged: a name never reaches a half-stored image.
        OciImage stored = OciImages.store(repo, image.manifest().bytes(), config, null, imageId);
        if (options.name() != null) {
            OciImages.tag(repo, options.name(), stored.manifestDigest());
        }
        return new PullResult(image.manifest().digest().toString(), image.parsed().config().digest().toString(),
                options.name(), imageId, layers, downloaded.get());
    }

    /** The config's rootfs.diff_ids, one per manifest layer. */
    private static List<String> diffIds(byte[] config, ResolvedImage image) throws ManifestException {
        String what = "config " + image.parsed().config().digest();
        JsonNode root;
        try {
            root = JSON.readTree(config);
        } catch (IOException e) {
            throw new ManifestException(what + ": invalid JSON: " + e.getMessage());
        }
        JsonNode ids = root == null ? null : root.path("rootfs").get("diff_ids");
        if (ids == null || !ids.isArray()) {
            throw new ManifestException(what + ": no rootfs.diff_ids");
        }
        if (ids.size() != image.parsed().layers().size()) {
            throw new ManifestException(what + ": lists " + ids.size() + " diff_ids for the manifest's "
                    + image.parsed().layers().size() + " layers");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode id : ids) {
            try {
                out.add(Digest.parse(id.asText()).toString());
            } catch (IllegalArgumentException e) {
                throw new ManifestException(what + ": " + e.getMessage());
            }
        }
        return out;
    }

    private List<LayerImport> fetchLayers(ImageSource source, List<Descriptor> descriptors, List<String> diffIds,
            int parallelism, AtomicLong downloaded, Map<String, LayerTree> trees) throws IOException {
        // One task per distinct diff_id: an image may list the same layer twice.
        Map<String, Integer> firstIndex = new LinkedHashMap<>();
        for (int i = 0; i < diffIds.size(); i++) {
            firstIndex.putIfAbsent(diffIds.get(i), i);
        }
        // Largest first: the biggest layer is the longest job, so it should not be the last to start.
        List<Map.Entry<String, Integer>> order = new ArrayList<>(firstIndex.entrySet());
        order.sort(Comparator.comparingLong((Map.Entry<String, Integer> e) -> descriptors.get(e.getValue()).size())
                .reversed());
        Map<String, LayerImport> done = new ConcurrentHashMap<>();
        Set<InputStream> open = ConcurrentHashMap.newKeySet();
        List<Future<?>> futures = new ArrayList<>();
        // At most `parallelism` layers download (and decompress) at once. A layer whose blob has
        // been read gives its slot to the next one while it finishes (last objects, syncfs,
        // renames, links): hence twice as many threads as slots.
        Semaphore downloads = new Semaphore(parallelism, true);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(2 * parallelism, Math.max(1, firstIndex.size())),
                Thread.ofPlatform().name("cfsj-pull-", 0).daemon(true).factory());
        try {
            for (Map.Entry<String, Integer> e : order) {
                String diffId = e.getKey();
                int index = e.getValue();
                Descriptor layer = descriptors.get(index);
                if (repo.streams().has(LayerImporter.streamName(diffId))) {
                    progress.layerSkipped(index, layer, diffId);
                    done.put(diffId, LayerImporter.importBlob(repo, InputStream.nullInputStream(), diffId));
                    continue;
                }
                futures.add(pool.submit(() -> {
                    LayerImporter.Imported imported = fetchLayer(source, index, layer, diffId, open, downloaded,
                            downloads);
                    if (imported.tree() != null) {
                        trees.put(diffId, imported.tree());
                    }
                    done.put(diffId, imported.result());
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException ex) {
                    // Stop the other downloads: closing their streams unblocks their reads.
                    for (InputStream in : open) {
                        closeQuietly(in);
                    }
                    futures.forEach(other -> other.cancel(true));
                    throw WorkerFailure.asIOException(ex.getCause());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("pull interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        List<LayerImport> result = new ArrayList<>();
        for (String diffId : firstIndex.keySet()) {
            result.add(done.get(diffId));
        }
        return result;
    }

    private LayerImporter.Imported fetchLayer(ImageSource source, int index, Descriptor layer, String diffId,
            Set<InputStream> open, AtomicLong downloaded, Semaphore downloads) throws IOException {
        try {
            downloads.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("pull interrupted");
        }
        AtomicBoolean slotHeld = new AtomicBoolean(true);
        Runnable releaseSlot = () -> {
            if (slotHeld.compareAndSet(true, false)) {
                downloads.release();
            }
        };
        long start = System.nanoTime();
        progress.layerStarted(index, layer);
        VerifyingInputStream blob = null;
        InflatingPipe pipe = null;
        try {
            blob = source.openBlob(layer);
            open.add(blob);
            CountingInputStream counted = new CountingInputStream(blob, n -> progress.layerBytes(index, n));
            pipe = new InflatingPipe(blob, counted);
            pipe.whenProducerDone(releaseSlot);
            LayerImporter.Imported imported;
            try {
                imported = LayerImporter.importLayerWithTree(repo, pipe.tar(), diffId);
            } catch (IOException e) {
                throw pipe.verdict(e);
            }
            LayerImport result = imported.result();
            if (!result.alreadyPresent() && !blob.verified()) {
                // Cannot happen (the importer only returns after the end, which is only reported
                // once verified); still refuse an unverified blob.
                throw new BlobDigestException("blob " + layer.digest() + " was not verified");
            }
            downloaded.addAndGet(counted.count());
            progress.layerDone(index, layer, result, System.nanoTime() - start);
            return imported;
        } catch (IOException e) {
            progress.layerFailed(index, layer, e);
            throw new LayerFetchException(index, layer, e);
        } catch (RuntimeException e) {
            progress.layerFailed(index, layer, e);
            throw e;
        } finally {
            if (blob != null) {
                open.remove(blob);
                closeQuietly(blob);
            }
            if (pipe != null) {
                pipe.close();
            }
            releaseSlot.run();
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // it is being abandoned
        }
    }
}
