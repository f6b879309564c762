package org.cfsj.it.mutate;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cfsj.composefs.ComposefsFilesystem;
import org.cfsj.dump.DumpfilePrinter;
import org.cfsj.erofs.ErofsFormatException;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.objects.VerifiedObjects;

/**
 * One mutated image per case, used as {@code cfsj fuse-serve} and {@code cfsj composefs-info dump}
 * use an image file: {@link ComposefsServer#openImage} (mapped, validated), the composefs
 * filesystem the server serves walked completely ({@link ServerWalk}) with external files read
 * from a verified object directory, then {@link ImageTree#read} and {@link DumpfilePrinter}.
 *
 * <p>Allowed: an IOException from opening the image (the server refuses to start), errnos
 * ({@code FsException}) from requests, {@link ErofsFormatException} or another IOException with a
 * message from the dump. Anything else escapes as the case's failure.
 */
final class ImageCases {
    private final ImageBases bases;
    private final List<ImageMutator> mutators = new ArrayList<>();
    private final VerifiedObjects store;
    private final Path work;
    private final long seed;

    ImageCases(Path work, long seed, PrintStream log) throws IOException {
        this.work = work;
        this.seed = seed;
        Files.createDirectories(work);
        this.bases = ImageBases.build(work, log);
        for (ImageBases.Base b : bases.bases) {
            mutators.add(new ImageMutator(b.image()));
        }
        this.store = new VerifiedObjects(bases.objects, false);
        for (int i = 0; i < bases.bases.size(); i++) {
            log.printf("mutate: image base %-28s %7d bytes, %5d fields%n", bases.bases.get(i).name(),
                    bases.bases.get(i).image().length, mutators.get(i).fieldCount());
        }
    }

    /** The mutated image of case {@code n} and what was done to it. */
    record Mutated(byte[] image, String description) {}

    Mutated mutated(long n) {
        Random rnd = new Random(CaseSeeds.of(seed, 'i', n));
        int b = rnd.nextInt(bases.bases.size());
        StringBuilder what = new StringBuilder("base '" + bases.bases.get(b).name() + "': ");
        byte[] img = mutators.get(b).mutate(bases.bases.get(b).image(), rnd, what);
        return new Mutated(img, what.toString().strip());
    }

    /** Runs case {@code n}; the image is left at {@code save} if not null. */
    Outcome run(long n, Path save) throws IOException {
        Mutated m = mutated(n);
        Path file = save != null ? save : work.resolve("case.img");
        Path tmp = work.resolve("case.img.tmp");
        Files.write(tmp, m.image());
        // replaced by rename: a hung earlier case may still have the old file mapped
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        String serve = null;
        ErofsImage image = null;
        try {
            image = ComposefsServer.openImage(file);
        } catch (IOException e) {
            if (e.getMessage() == null) {
                throw new Outcome.Violation("openImage threw " + e.getClass().getName() + " without a message", e);
            }
            serve = "serve:refused(" + e.getClass().getSimpleName() + ")";
        }
        if (image != null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(1 << 16);
                ComposefsFilesystem fs = new ComposefsFilesystem(image, store, false);
                try {
                    ServerWalk w = ServerWalk.walk(fs, buf, (int) n);
                    serve = w.errors.isEmpty() ? "serve:clean" : "serve:some-errno";
                } finally {
                    fs.destroy();
                }
            } finally {
                image.close();
            }
        }
        String dump;
        try (ErofsImage img = ErofsImage.open(file)) {
            DumpfilePrinter.print(ImageTree.read(img), OutputStream.nullOutputStream());
            dump = "dump:ok";
        } catch (IOException e) {
            if (e.getMessage() == null) {
                throw new Outcome.Violation("dump threw " + e.getClass().getName() + " without a message", e);
            }
            dump = "dump:" + e.getClass().getSimpleName();
        }
        return new Outcome.Handled(serve + " " + dump);
    }

    String describe(long n) {
        return mutated(n).description();
    }

    void close() {
        store.close();
    }
}
