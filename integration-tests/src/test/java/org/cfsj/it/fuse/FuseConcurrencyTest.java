package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.cfsj.mount.KernelComposefsMount;
import org.cfsj.mount.MountOptions;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;
import org.cfsj.sys.Xattrs;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.cfsj.tree.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight readers at once for a minute over an image of 50,000 entries, served by one {@code cfsj
 * fuse-serve}: {@code find -ls}, {@code cat} of every file, {@code getfattr -R -d}, {@code ls -laR},
 * {@code find -printf} with link targets, and three readers in this JVM that check what they get:
 * file contents against the objects (dropping each file's page cache after reading, so reads keep
 * reaching the server), stat of known names and of missing names (misses always go to the
 * server), and xattrs against the image. Nothing may fail, and the server may not grow: its
 * threads at the end are those after a warm-up pass, with a slack of {@value #THREAD_SLACK} (the JVM
 * starts and retires compiler and GC threads on its own); its open fds stay below those at the start
 * plus the {@value #MAX_IDLE_OBJECTS} object fds an open-less server keeps for files the kernel
 * still knows, and once the kernel has dropped its inodes ({@code drop_caches}: the FORGETs close
 * them) they are back to those at the start, with a slack of {@value #FD_SLACK}.
 * The duration is {@code -Dcfsj.it.fuse.concurrencySeconds} (default 60).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FuseConcurrencyTest {
    static final int ENTRIES = 50_000;
    static final int FD_SLACK = 16;
    /** ComposefsFilesystem's cap on idle object fds. */
    static final int MAX_IDLE_OBJECTS = 4096;
    static final int THREAD_SLACK = 4;

    @TempDir
    Path tmp;

    @Test
    void eightReadersForAMinuteWithoutErrorsOrGrowth() throws Exception {
        FuseEnvironment.requireFuse();
        for (String tool : List.of("find", "cat", "getfattr", "ls")) {
            if (!FuseEnvironment.onPath(tool)) {
                fail(tool + " is not installed (getfattr: Debian package attr)");
            }
        }
        long seconds = Long.getLong("cfsj.it.fuse.concurrencySeconds", 60);
        LargeImages.Large img = LargeImages.build(tmp.resolve("large"), 77, ENTRIES, 2000);
        assertTrue(img.entries() >= ENTRIES, "entries: " + img.entries());
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        try (FuseServer server = FuseServer.start(img.image(), mnt, img.objects(), tmp.resolve("server"), seconds + 200)) {
            List<Reader> readers = readers(mnt, img);
            int fdsStart = server.fdCount();
            // warm-up: every reader once, so that every object has been opened and checked once
            for (Reader r : readers) {
                r.once();
            }
            int threads0 = server.threadCount();

            ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            AtomicLongArray rounds = new AtomicLongArray(readers.size());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < readers.size(); i++) {
                int idx = i;
                Reader r = readers.get(i);
                threads.add(Thread.ofPlatform().name("reader-" + r.name()).start(() -> {
                    while (System.nanoTime() < deadline && errors.size() < 50) {
                        try {
                            r.once();
                            rounds.incrementAndGet(idx);
                        } catch (Throwable t) {
                            errors.add(r.name() + ": " + t);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            if (!errors.isEmpty()) {
                fail(errors.size() + " reader errors, the first ones:\n  " + String.join("\n  ", errors.stream().limit(10).toList())
                        + "\nserver stderr:\n" + server.stderr());
            }
            for (int i = 0; i < readers.size(); i++) {
                assertTrue(rounds.get(i) > 0, readers.get(i).name() + " never completed a round");
            }
            assertTrue(server.isAlive(), "the server died; stderr:\n" + server.stderr());

            int fds = server.fdCount();
            int threadCount = server.threadCount();
            for (int i = 0; i < 50 && threadCount > threads0 + THREAD_SLACK; i++) {
                Thread.sleep(100);
                threadCount = server.threadCount();
            }
            StringBuilder summary = new StringBuilder();
            for (int i = 0; i < readers.size(); i++) {
                summary.append(readers.get(i).name()).append('=').append(rounds.get(i)).append(' ');
            }
            assertTrue(fds <= fdsStart + MAX_IDLE_OBJECTS + FD_SLACK,
                    "the server's open fds grew from " + fdsStart + " to " + fds + " (rounds: " + summary + ")");
            assertTrue(threadCount <= threads0 + THREAD_SLACK,
                    "the server's threads grew from " + threads0 + " to " + threadCount + " (rounds: " + summary + ")");
            // the kernel drops its unused dentries and inodes and sends FORGETs: the object fds go
            int fdsInUse = fds;
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "2");
            for (int i = 0; i < 100 && fds > fdsStart + FD_SLACK; i++) {
                Thread.sleep(100);
                fds = server.fdCount();
            }
            assertTrue(fds <= fdsStart + FD_SLACK, "the server kept " + fds + " fds (" + fdsStart + " at the start, "
                    + fdsInUse + " before the kernel dropped its inodes)");

            FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
            assertEquals(0, exit.stat("eio"), "EIO answers during the run: " + exit.stats());
            System.out.println("FuseConcurrencyTest: " + seconds + " s, rounds: " + summary + "fds " + fdsStart + " -> " + fdsInUse + " -> " + fds + ", threads "
                    + threads0 + " -> " + threadCount + ", server stats: " + exit.stats());
        }
    }

    /** The reference: one round of every reader over the kernel composefs mount of the same image finds nothing wrong. */
    @Test
    void readersFindNothingWrongWithTheKernelMount() throws Exception {
        FuseEnvironment.requireKernelComposefs();
        LargeImages.Large img = LargeImages.build(tmp.resolve("large"), 77, ENTRIES, 2000);
        Path kmnt = Files.createDirectories(tmp.resolve("kmnt"));
        try (KernelComposefsMount k = KernelComposefsMount.mount(img.image(), img.objects(), kmnt, MountOptions.builder().build())) {
            for (Reader r : readers(kmnt, img)) {
                r.once();
            }
        }
    }

    /** One kind of reader: {@link #once()} is one full round of its work, throwing on any error. */
    interface Reader {
        String name();

        void once() throws Exception;
    }

    private static Reader command(String name, String... cmd) {
        return new Reader() {
            public String name() {
                return name;
            }

            public void once() throws Exception {
                Result r = Command.of(List.of(cmd)).timeoutSeconds(240).run();
                if (r.exit() != 0 || !r.err().isEmpty()) {
                    throw new AssertionError(String.join(" ", cmd) + ": exit " + r.exit() + ", stderr: "
                            + r.err().lines().limit(5).toList());
                }
            }
        };
    }

    /** Like {@link #command} with stdout thrown away by a shell redirect (Cfsj.exec would keep it in memory). */
    private static Reader discarding(String name, String... cmd) {
        String[] c = new String[cmd.length + 4];
        c[0] = "sh";
        c[1] = "-c";
        c[2] = "\"$@\" > /dev/null";
        c[3] = "sh";
        System.arraycopy(cmd, 0, c, 4, cmd.length);
        return command(name, c);
    }

    private static List<Reader> readers(Path mnt, LargeImages.Large img) {
        String m = mnt.toString();
        List<String> files = new ArrayList<>(img.contents().keySet());
        List<String> withXattrs = new ArrayList<>(img.xattrs().keySet());
        return List.of(
                discarding("find-ls", "find", m, "-ls"),
                // cat reads whatever its output is (GNU tar would skip reading when writing to /dev/null)
                discarding("cat-all", "find", m, "-type", "f", "-exec", "cat", "{}", "+"),
                discarding("getfattr", "getfattr", "--absolute-names", "-R", "-h", "-d", "-m", "-", m),
                discarding("ls-laR", "ls", "-laR", m),
                discarding("find-printf", "find", m, "-printf", "%p %s %m %n %l\\n"),
                new Reader() {
                    public String name() {
                        return "read-check";
                    }

                    public void once() throws Exception {
                        for (int i = 0; i < 500; i++) {
                            String f = files.get(ThreadLocalRandom.current().nextInt(files.size()));
                            byte[] got = readDroppingCache(mnt, f);
                            if (!Arrays.equals(img.contents().get(f), got)) {
                                throw new AssertionError(f + ": wrong content (" + got.length + " bytes)");
                            }
                        }
                    }
                },
                new Reader() {
                    public String name() {
                        return "stat-check";
                    }

                    public void once() throws Exception {
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        for (int i = 0; i < 2000; i++) {
                            String p = img.paths().get(rnd.nextInt(img.paths().size()));
                            StatCalls.statx(FileCalls.AT_FDCWD, Bytes.of(m + "/" + p), FileCalls.AT_SYMLINK_NOFOLLOW, p);
                            String missing = p + ".missing-" + rnd.nextLong();
                            try {
                                StatCalls.statx(FileCalls.AT_FDCWD, Bytes.of(m + "/" + missing), FileCalls.AT_SYMLINK_NOFOLLOW, missing);
                                throw new AssertionError(missing + " exists");
                            } catch (SysException e) {
                                if (e.errno() != Errno.ENOENT && e.errno() != 20 /* ENOTDIR below a file */) {
                                    throw e;
                                }
                            }
                        }
                    }
                },
                new Reader() {
                    public String name() {
                        return "xattr-check";
                    }

                    public void once() throws Exception {
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        for (int i = 0; i < 1000; i++) {
                            String p = withXattrs.get(rnd.nextInt(withXattrs.size()));
                            byte[] path = Bytes.of(m + "/" + p);
                            Map<String, String> got = new TreeMap<>();
                            for (byte[] n : Xattrs.list(path, p)) {
                                byte[] v = Xattrs.get(path, n, p);
                                got.put(Bytes.str(n), v == null ? "<ENODATA>" : java.util.HexFormat.of().formatHex(v));
                            }
                            Map<String, String> want = new TreeMap<>();
                            img.xattrs().get(p).forEach((k, v) -> want.put(k, java.util.HexFormat.of().formatHex(v)));
                            if (!want.equals(got)) {
                                throw new AssertionError(p + ": xattrs " + got + ", expected " + want);
                            }
                        }
                    }
                });
    }

    private static byte[] readDroppingCache(Path mnt, String rel) throws IOException {
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, Bytes.of(mnt + "/" + rel), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC | FileCalls.O_NOFOLLOW, rel);
        try {
            long size = StatCalls.statx(fd, new byte[0], 0x1000, rel).size();
            byte[] b = Io.readFully(fd, Math.toIntExact(size), rel);
            Io.posixFadvise(fd, 0, 0, Io.POSIX_FADV_DONTNEED);
            return b;
        } finally {
            FileCalls.close(fd);
        }
    }
}
