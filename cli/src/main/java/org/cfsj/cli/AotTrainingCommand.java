package org.cfsj.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.mount.MountOptions;
import org.cfsj.posix.EffectiveUser;
import picocli.CommandLine.Command;

/**
 * The training run for the launcher's JDK AOT cache ({@code ./cfsj} runs it once per jar with
 * {@code -XX:AOTCacheOutput}): a small, typical workload whose loaded classes and method profiles
 * go into the cache, so that later runs start with them instead of warming up. Serving requests
 * is what a fresh FUSE server spends its first half second on (interpreted, unprofiled code), so
 * the workload builds a small image with {@code mkcomposefs --digest-store} and, where it can
 * mount (root and {@code /dev/fuse}), serves it a few times and reads every file. Everything lives
 * in a temp directory that is unmounted and removed at the end, whatever happens.
 */
@Command(name = "aot-training", hidden = true,
        description = "Internal: the workload the launcher records its JDK AOT cache from.")
final class AotTrainingCommand implements Callable<Integer> {
    private static final int FILES = 1500;
    private static final int MOUNTS = 3;

    /** The server running now, for the shutdown hook (the launcher stops a training run that hangs). */
    private volatile ComposefsServer current;

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("cfsj-aot-training-");
        Thread hook = new Thread(() -> {
            ComposefsServer s = current;
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    System.err.println("cfsj aot-training: unmounting: " + e.getMessage());
                }
            }
        }, "cfsj-aot-training-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Path src = Files.createDirectories(work.resolve("src"));
            writeTree(src);
            Path image = work.resolve("image.cfs");
            Path objects = work.resolve("objects");
            Main.run("mkcomposefs", "--digest-store", objects.toString(), src.toString(), image.toString());
            if (Files.isWritable(Path.of("/dev/fuse")) && EffectiveUser.isRoot()) {
                Path mnt = Files.createDirectories(work.resolve("mnt"));
                for (int i = 0; i < MOUNTS; i++) {
                    // a new mount each time: the kernel caches everything the previous one was asked
                    try (ComposefsServer server = ComposefsServer.start(image, objects, mnt, MountOptions.builder()
                            .threads(2).quiet(true).digestLedger(work.resolve("ledger")).build())) {
                        current = server;
                        readAll(mnt);
                    } finally {
                        current = null;
                    }
                }
            }
            return 0;
        } finally {
            Runtime.getRuntime().removeShutdownHook(hook);
            deleteTree(work);
        }
    }

    /** Directories of small (inline) and larger (external) files, and a symlink in each directory. */
    private static void writeTree(Path src) throws IOException {
        Random rnd = new Random(1);
        for (int i = 0; i < FILES; i++) {
            Path dir = Files.createDirectories(src.resolve("d" + (i % 30)));
            byte[] data = new byte[i % 3 == 0 ? 40 : 1000 + rnd.nextInt(20_000)];
            rnd.nextBytes(data);
            Files.write(dir.resolve("f" + i), data);
            if (i < 30) {
                Files.createSymbolicLink(dir.resolve("link"), Path.of("f" + i));
            }
        }
        Files.writeString(src.resolve("README"), "cfsj AOT training tree\n", StandardCharsets.US_ASCII);
    }

    private static void readAll(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isSymbolicLink(p)) {
                    Files.readSymbolicLink(p);
                } else if (Files.isRegularFile(p)) {
                    Files.readAllBytes(p);
                }
                Files.exists(p.resolveSibling(p.getFileName() + ".missing")); // a negative lookup
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
