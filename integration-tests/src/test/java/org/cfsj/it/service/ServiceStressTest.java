package org.cfsj.it.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.Errno;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.SysException;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real {@code cfsj serve} under 20 concurrent clients for 60 s: 16 loop {@code OciMount}
 * (plain, or an overlay on their own upper and work directories) → {@code move_mount} → read and
 * compare both files of the image → {@code umount2} (retried while {@code EBUSY} for at most 2 s:
 * the service may close its copy of the mount fd a moment after its reply); 4 loop {@code Pull} from an {@code oci:}
 * layout and {@code ListImages}. Every reply must be a success and every read byte-exact.
 *
 * <p>Afterwards, once the service's idle time ({@code --idle 2s}) has released the image's FUSE
 * server, its open fds and threads come back to what they were after one warm-up cycle, within a
 * small slack ({@link #FD_SLACK}, {@link #THREAD_SLACK}); it holds no {@code /dev/fuse} fd; and
 * nothing is left mounted under the test's directory.
 */
@Timeout(240)
class ServiceStressTest {
    private static final String REPO = "org.composefs.Repository.";
    private static final String OCI = "org.composefs.Oci.";
    private static final int MOUNTERS = 16;
    private static final int PULLERS = 4;
    private static final long LOAD_SECONDS = 60;
    /**
     * Fds the service may hold beyond the warm-up baseline: none are expected (connections,
     * handles, mount fds and the FUSE device all close); 2 allow for a JDK-internal fd (e.g. a
     * selector or jar opened lazily under load) without hiding a leak, which grows with the
     * hundreds of calls made.
     */
    private static final int FD_SLACK = 2;
    /**
     * Threads beyond the baseline: the JVM's own pools grow under load and shrink on their own
     * clocks, not the service's (C2 compiler threads, ForkJoin carrier threads of virtual
     * threads, GC workers); a leak of one thread per call or per mount would be hundreds.
     */
    private static final int THREAD_SLACK = 8;

    /** How long an unmount may stay busy after the client closed everything it had on it. */
    private static final long BUSY_LIMIT_MS = 2000;

    @TempDir
    Path work;
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicLong busyMaxMs = new AtomicLong();
    private Path repo;
    private Path layout;
    private Path socket;
    private Path log;
    private Serve service;
    private byte[] big;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: mounting through the service needs root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: no /dev/fuse");
        repo = work.resolve("repo");
        layout = work.resolve("layout");
        LayoutWriter.write(layout, "v1");
        Result pull = Cfsj.run("--repo", repo.toString(), "oci", "pull", "-q", "oci:" + layout + ":v1", "tiny");
        assertEquals(0, pull.exit(), pull.describe());
        big = LayoutWriter.bigFile();
        socket = work.resolve("run/cfsj.sock");
        log = work.resolve("serve.log");
        service = Serve.start(repo, socket, log, "--idle", "2s");
    }

    @AfterEach
    void stop() throws Exception {
        for (String m : mountsUnder(work)) {
            Command.of(List.of("umount", "-l", m)).timeoutSeconds(30).run();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void twentyClientsForAMinuteGetNoErrorAndLeaveNothingBehind() throws Exception {
        long pid = service.process.pid();
        // one cycle of everything first: what the JVM and the service set up once is in the baseline
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        new Mounter(0, failures, new AtomicInteger()).cycle(false);
        new Puller(0, failures, new AtomicInteger()).cycle();
        assertTrue(failures.isEmpty(), "warm-up: " + failures);
        Counts baseline = settle(pid, null);

        AtomicInteger mounts = new AtomicInteger();
        AtomicInteger pulls = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(LOAD_SECONDS);
        int peakThreads = 0;
        int peakFds = 0;
        ExecutorService pool = Executors.newFixedThreadPool(MOUNTERS + PULLERS);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 1; i <= MOUNTERS; i++) {
                Mounter m = new Mounter(i, failures, mounts);
                clients.add(pool.submit(() -> m.loop(end)));
            }
            for (int i = 1; i <= PULLERS; i++) {
                Puller p = new Puller(i, failures, pulls);
                clients.add(pool.submit(() -> p.loop(end)));
            }
            while (System.nanoTime() < end && failures.isEmpty()) {
                Counts now = Counts.of(pid);
                peakThreads = Math.max(peakThreads, now.threads());
                peakFds = Math.max(peakFds, now.fds());
                Thread.sleep(500);
            }
            for (Future<?> f : clients) {
                f.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures, the first: " + failures.stream().limit(5).toList()
                + "\nservice log:\n" + Files.readString(log));
        assertTrue(mounts.get() >= MOUNTERS * 5, "every mounter got some cycles done: " + mounts.get());
        assertTrue(pulls.get() >= PULLERS, "the pullers got some pulls done: " + pulls.get());
        assertEquals(List.of(), mountsUnder(work), "every mount the clients attached is gone");

        Counts after = settle(pid, baseline);
        System.out.printf("ServiceStressTest: %d mount cycles, %d pull+list cycles in %d s; %d umount2 EBUSY retries"
                        + " (longest %d ms); service fds %d -> peak %d -> %d, threads %d -> peak %d -> %d%n", mounts.get(),
                pulls.get(), LOAD_SECONDS, busy.get(), busyMaxMs.get(), baseline.fds(), peakFds, after.fds(),
                baseline.threads(), peakThreads, after.threads());
        assertTrue(after.fds() <= baseline.fds() + FD_SLACK, "service fds back to the baseline " + baseline + ": " + after
                + "\n" + String.join("\n", fdTargets(pid)));
        assertTrue(after.threads() <= baseline.threads() + THREAD_SLACK, "service threads back to the baseline "
                + baseline + ": " + after + "\n" + threadNames(pid));
        assertEquals(0, fdTargets(pid).stream().filter(t -> t.equals("/dev/fuse")).count(),
                "no FUSE server left once the idle time passed: " + fdTargets(pid));
        assertTrue(service.process.isAlive(), "the service still runs");
    }

    /** Fd and thread counts of a process. */
    private record Counts(int fds, int threads) {
        static Counts of(long pid) throws IOException {
            return new Counts(count(Path.of("/proc/" + pid + "/fd")), count(Path.of("/proc/" + pid + "/task")));
        }

        private static int count(Path dir) throws IOException {
            try (Stream<Path> s = Files.list(dir)) {
                return (int) s.count();
            }
        }
    }

    /**
     * The counts once the idle FUSE servers are released: polls until no {@code /dev/fuse} fd is
     * left and (with a baseline) the counts are within the slack, or 20 s pass; the last reading.
     */
    private Counts settle(long pid, Counts baseline) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Thread.sleep(2500); // --idle 2s
        while (true) {
            Counts now = Counts.of(pid);
            boolean fuseGone = !fdTargets(pid).contains("/dev/fuse");
            boolean back = baseline == null
                    || (now.fds() <= baseline.fds() + FD_SLACK && now.threads() <= baseline.threads() + THREAD_SLACK);
            if ((fuseGone && back) || System.nanoTime() > deadline) {
                return now;
            }
            Thread.sleep(250);
        }
    }

    private static List<String> fdTargets(long pid) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path p : s.toList()) {
                try {
                    out.add(Files.readSymbolicLink(p).toString());
                } catch (IOException e) {
                    // closed between the listing and the read
                }
            }
        }
        return out;
    }

    private static String threadNames(long pid) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : s.toList()) {
                try {
                    names.add(Files.readString(t.resolve("comm")).strip());
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        names.sort(null);
        return String.join(", ", names);
    }

    /** Mount points at or under {@code dir}, from this process's mount table. */
    private static List<String> mountsUnder(Path dir) throws IOException {
        String prefix = dir.toString();
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" ")[1])
                .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/")).toList();
    }

    private static long openSystem(FdVarlink c) throws IOException {
        JsonNode r = c.call(REPO + "OpenRepository", "{\"system\": true}").message();
        if (r.has("error")) {
            throw new IOException("OpenRepository: " + r);
        }
        return r.path("parameters").path("handle").asLong();
    }

    /** A client looping mount → read → compare → umount on one connection. */
    private final class Mounter {
        private final int id;
        private final Queue<String> failures;
        private final AtomicInteger done;

        Mounter(int id, Queue<String> failures, AtomicInteger done) {
            this.id = id;
            this.failures = failures;
            this.done = done;
        }

        void loop(long end) {
            int n = 0;
            while (System.nanoTime() < end && failures.isEmpty()) {
                cycle(n++ % 3 == 2); // every third an overlay
            }
        }

        void cycle(boolean overlay) {
            Path dir = work.resolve("m" + id);
            try (FdVarlink c = FdVarlink.connect(socket)) {
                long h = openSystem(c);
                Files.createDirectories(dir);
                int[] fds = new int[0];
                String options = "{}";
                if (overlay) {
                    Path layer = work.resolve("layer" + id);
                    deleteTree(layer);
                    Path upper = Files.createDirectories(layer.resolve("upper"));
                    Path w = Files.createDirectories(layer.resolve("work"));
                    fds = new int[] {open(upper), open(w)};
                    options = "{\"overlay\":true,\"read_write\":true}";
                }
                FdVarlink.Reply r;
                try {
                    r = c.call(OCI + "OciMount", "{\"handle\":" + h + ",\"image\":\"tiny\",\"bootable\":false,\"options\":"
                            + options + "}", fds);
                } finally {
                    for (int fd : fds) {
                        FileCalls.close(fd);
                    }
                }
                try {
                    if (r.message().has("error")) {
                        failures.add("client " + id + " OciMount: " + r.message());
                        return;
                    }
                    int index = r.message().path("parameters").path("fd_index").asInt(-1);
                    if (index < 0 || index >= r.fds().length) {
                        failures.add("client " + id + ": fd_index " + index + " of " + r.fds().length + " fds");
                        return;
                    }
                    FilesystemContext.moveMount(r.fds()[index], FileCalls.AT_FDCWD, dir.toString());
                } finally {
                    for (int fd : r.fds()) {
                        FileCalls.close(fd);
                    }
                }
                try {
                    String hello = Files.readString(dir.resolve("hello.txt"));
                    if (!hello.equals("hello from the service test\n")) {
                        failures.add("client " + id + ": hello.txt read " + hello);
                    }
                    if (!Arrays.equals(big, Files.readAllBytes(dir.resolve("data.bin")))) {
                        failures.add("client " + id + ": data.bin differs");
                    }
                    if (overlay) {
                        Files.writeString(dir.resolve("w.txt"), "client " + id, StandardCharsets.UTF_8);
                    }
                } finally {
                    unmount(dir);
                }
                done.incrementAndGet();
            } catch (IOException | InterruptedException | RuntimeException e) {
                failures.add("client " + id + ": " + e);
            }
        }

        /**
         * {@code umount2} without {@code MNT_DETACH}, retried while {@code EBUSY} for at most
         * {@link #BUSY_LIMIT_MS}: the service's own copy of the mount fd it sent may still be open
         * for a moment after its reply arrived, and an open fd on a mount makes it busy.
         */
        private void unmount(Path dir) throws IOException, InterruptedException {
            long start = System.nanoTime();
            while (true) {
                try {
                    MountCalls.umount2(dir.toString(), 0);
                    return;
                } catch (SysException e) {
                    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    if (e.errno() != Errno.EBUSY || waited > BUSY_LIMIT_MS) {
                        throw e;
                    }
                    busy.incrementAndGet();
                    busyMaxMs.accumulateAndGet(waited, Math::max);
                    Thread.sleep(5);
                }
            }
        }

        private static int open(Path dir) throws IOException {
            return FileCalls.open(dir.toString(), FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        }
    }

    /** A client looping Pull of the layout (under its own name) and ListImages. */
    private final class Puller {
        private final int id;
        private final Queue<String> failures;
        private final AtomicInteger done;

        Puller(int id, Queue<String> failures, AtomicInteger done) {
            this.id = id;
            this.failures = failures;
            this.done = done;
        }

        void loop(long end) {
            while (System.nanoTime() < end && failures.isEmpty()) {
                cycle();
            }
        }

        void cycle() {
            try (RawVarlink c = RawVarlink.connect(socket)) {
                JsonNode open = c.call(REPO + "OpenRepository", "{\"system\": true}");
                if (open.has("error")) {
                    failures.add("puller " + id + " OpenRepository: " + open);
                    return;
                }
                long h = open.path("parameters").path("handle").asLong();
                List<JsonNode> replies = c.callMore(OCI + "Pull", "{\"handle\": " + h + ", \"image\": \"oci:" + layout
                        + ":v1\", \"name\": \"pulled-" + id + "\", \"local_fetch\": \"disabled\", \"storage_root\": null,"
                        + " \"bootable\": false}");
                JsonNode last = replies.getLast();
                if (last.has("error") || !last.path("parameters").has("completed")) {
                    failures.add("puller " + id + " Pull: " + last);
                    return;
                }
                JsonNode images = c.call(OCI + "ListImages", "{\"handle\": " + h + "}");
                if (images.has("error")) {
                    failures.add("puller " + id + " ListImages: " + images);
                    return;
                }
                List<String> names = new ArrayList<>();
                images.path("parameters").path("images").forEach(i -> names.add(i.path("name").asText()));
                if (!names.contains("tiny") || !names.contains("pulled-" + id)) {
                    failures.add("puller " + id + " ListImages lacks tiny or pulled-" + id + ": " + names);
                    return;
                }
                done.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                failures.add("puller " + id + ": " + e);
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(q);
            }
        }
    }
}
