package org.cfsj.it.mutate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.cfsj.composefs.ComposefsFilesystem;
import org.cfsj.dump.DumpfilePrinter;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.erofs.write.ImageWriteException;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.objects.VerifiedObjects;
import org.cfsj.oci.image.ImageBuilder;
import org.cfsj.oci.image.OciImages;
import org.cfsj.oci.pull.PullOptions;
import org.cfsj.oci.pull.PullProgress;
import org.cfsj.oci.pull.PullResult;
import org.cfsj.oci.pull.Puller;
import org.cfsj.oci.source.Digest;
import org.cfsj.oci.source.MediaTypes;
import org.cfsj.oci.source.Platform;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;

/**
 * One mutated layer per case, pulled as {@code cfsj oci pull} pulls: {@link Puller} with an
 * in-memory source (blob digests and diff_ids checked, decompression on its own thread, the
 * importer, the tag, the composefs image built by {@code ImageBuilder}) into a temporary
 * repository, alone or on top of an unmutated base layer; the layer is plain, gzip or zstd
 * (sometimes with the compressed bytes damaged too).
 *
 * <p>Allowed: the pull fails with an IOException that has a message (BadLayerException,
 * LayerFetchException, RepositoryException...), except the image writer's own
 * {@link ImageWriteException}, which means the importer let through what no image can hold.
 * When the pull succeeds, the image it built must be served without a single failed request and
 * read back to the tree that went in (the dumpfile of the image equals the dumpfile of the
 * layers merged again from the repository, directory sizes and link counts aside).
 *
 * <p>Disk stays bounded: a new repository every {@link #CASES_PER_REPOSITORY} cases (or after a
 * hung case), the previous one deleted.
 */
final class LayerCases {
    static final int CASES_PER_REPOSITORY = 250;
    private static final String TAG = "mutated";

    private final Path work;
    private final long seed;
    private final LayerBases bases = new LayerBases();
    private final LayerMutator mutator = new LayerMutator();
    private Repository repo;
    private Path repoDir;
    private int generation;
    private int casesInRepo;

    LayerCases(Path work, long seed, PrintStream log) throws IOException {
        this.work = work;
        this.seed = seed;
        Files.createDirectories(work);
        for (LayerBases.Base b : bases.bases) {
            log.printf("mutate: layer base %-14s %3d members, %7d bytes%n", b.name(), b.members().size(),
                    TarBuilder.concat(b.members()).length);
        }
    }

    record Mutated(List<MemorySource.Layer> layers, String description) {}

    Mutated mutated(long n) {
        Random rnd = new Random(CaseSeeds.of(seed, 'l', n));
        LayerBases.Base base = bases.bases.get(rnd.nextInt(bases.bases.size()));
        LayerMutator.Mutated m = mutator.mutate(base, rnd);
        int compression = rnd.nextInt(3);
        String diffId = Digest.of(m.tar()).toString();
        byte[] blob;
        String type;
        String what = m.description();
        switch (compression) {
            case 0 -> {
                blob = m.tar();
                type = MediaTypes.OCI_LAYER;
            }
            case 1 -> {
                blob = gzip(m.tar());
                type = MediaTypes.OCI_LAYER_GZIP;
            }
            default -> {
                blob = com.github.luben.zstd.Zstd.compress(m.tar(), 3);
                type = MediaTypes.OCI_LAYER_ZSTD;
            }
        }
        what += " [" + (compression == 0 ? "plain" : compression == 1 ? "gzip" : "zstd");
        if (compression != 0 && rnd.nextInt(10) == 0) {
            if (rnd.nextBoolean()) {
                int at = Math.min(blob.length - 1, 10 + rnd.nextInt(Math.max(1, blob.length - 10)));
                blob[at] ^= (byte) (1 << rnd.nextInt(8));
                what += ", compressed byte " + at + " flipped";
            } else {
                int len = rnd.nextInt(blob.length);
                blob = java.util.Arrays.copyOf(blob, len);
                what += ", compressed blob cut to " + len;
            }
        }
        List<MemorySource.Layer> layers = new ArrayList<>();
        if (base.onBaseTree() || rnd.nextBoolean()) {
            layers.add(new MemorySource.Layer(bases.baseTree, MediaTypes.OCI_LAYER, Digest.of(bases.baseTree).toString()));
            what += ", on the base tree";
        }
        layers.add(new MemorySource.Layer(blob, type, diffId));
        return new Mutated(layers, what + "]");
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Runs case {@code n}; with {@code save}, the image is also written there as an OCI layout. */
    Outcome run(long n, Path save) throws IOException {
        Mutated m = mutated(n);
        MemorySource source = new MemorySource(m.layers());
        if (save != null) {
            source.saveLayout(save);
        }
        Repository r = repository();
        PullResult result;
        try {
            result = new Puller(r, PullProgress.NONE).pull(source, new PullOptions(Platform.current(), TAG, true, 1));
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ImageWriteException) {
                    throw new Outcome.Violation("the importer accepted a layer the image writer refuses: " + t.getMessage(), e);
                }
            }
            if (e.getMessage() == null) {
                throw new Outcome.Violation("the pull failed with " + e.getClass().getName() + " without a message", e);
            }
            Throwable cause = e.getCause();
            return new Outcome.Handled("pull:" + e.getClass().getSimpleName()
                    + (cause != null && cause != e ? "(" + cause.getClass().getSimpleName() + ")" : ""));
        }
        ObjectId id = result.imageId().orElseThrow(() -> new Outcome.Violation("the pull built no image"));
        readBack(r, id);
        return new Outcome.Handled("pull:ok image:read-back-equal");
    }

    private void readBack(Repository r, ObjectId id) throws IOException {
        Path img = r.objects().path(id);
        try (ErofsImage image = openBuilt(img); VerifiedObjects store = new VerifiedObjects(r.objects().dir(), false);
                Arena arena = Arena.ofConfined()) {
            ComposefsFilesystem fs = new ComposefsFilesystem(image, store, false);
            ServerWalk w;
            try {
                w = ServerWalk.walk(fs, arena.allocate(1 << 16), 0);
            } finally {
                fs.destroy();
            }
            if (!w.errors.isEmpty()) {
                throw new Outcome.Violation("the image the pull built fails requests: " + w.summary() + ", first: "
                        + w.firstMessage.firstEntry().getValue());
            }
            String built;
            try {
                built = DumpfilePrinter.toString(ImageTree.read(image));
            } catch (IOException e) {
                throw new Outcome.Violation("the image the pull built cannot be read back: " + e.getMessage(), e);
            }
            String merged = DumpfilePrinter.toString(ImageBuilder.mergedTree(r, OciImages.resolve(r, TAG)));
            String a = maskDirectoryFields(merged);
            String b = maskDirectoryFields(built);
            if (!a.equals(b)) {
                throw new Outcome.Violation("the image the pull built differs from its layers: " + firstDifference(a, b));
            }
        }
    }

    private static ErofsImage openBuilt(Path img) {
        try {
            return ComposefsServer.openImage(img);
        } catch (IOException e) {
            throw new Outcome.Violation("the image the pull built cannot be opened: " + e.getMessage(), e);
        }
    }

    /**
     * Directory sizes and link counts are the writer's to decide; which name of a hardlinked file
     * is printed in full and which as {@code @} is the printer's (the tree's first name, the
     * image's first in path order), so a linked name is compared by its path alone.
     */
    static String maskDirectoryFields(String dump) {
        return dump.lines().map(l -> {
            String[] f = l.split(" ", -1);
            if (f.length <= 3) {
                return l;
            }
            if (f[2].startsWith("@")) {
                return f[0] + " (hardlinked)";
            }
            boolean dir = (Integer.parseInt(f[2], 8) & 0170000) == 0040000;
            if (!dir && !f[3].equals("1")) {
                return f[0] + " (hardlinked)";
            }
            if (dir) {
                f[1] = "-";
                f[3] = "-";
            }
            return String.join(" ", f);
        }).collect(Collectors.joining("\n", "", "\n"));
    }

    private static String firstDifference(String want, String got) {
        List<String> a = want.lines().toList();
        List<String> b = got.lines().toList();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "(end)";
            String y = i < b.size() ? b.get(i) : "(end)";
            if (!x.equals(y)) {
                return "merged layers say '" + clip(x) + "', the image says '" + clip(y) + "'";
            }
        }
        return "(no line differs)";
    }

    private static String clip(String s) {
        return s.length() > 400 ? s.substring(0, 150) + " ... " + s.substring(s.length() - 250) : s;
    }

    private Repository repository() throws IOException {
        if (repo == null || casesInRepo >= CASES_PER_REPOSITORY) {
            rotate();
        }
        casesInRepo++;
        return repo;
    }

    /** Starts a new repository and deletes the previous one (called after a hang too: a hung case may still write there). */
    void rotate() throws IOException {
        Path old = repoDir;
        if (repo != null) {
            repo.close();
        }
        repoDir = work.resolve("repo-" + generation++);
        repo = Repository.init(repoDir);
        casesInRepo = 0;
        if (old != null) {
            deleteTree(old);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: the run's work directory is removed at the end as well
        }
    }

    String describe(long n) {
        return mutated(n).description();
    }

    void close() {
        if (repo != null) {
            repo.close();
        }
    }
}
