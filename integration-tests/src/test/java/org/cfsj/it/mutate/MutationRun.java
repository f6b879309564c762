package org.cfsj.it.mutate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The mutation run of issue 11: mutated composefs/EROFS images served and dumped as {@code cfsj
 * fuse-serve} and {@code cfsj composefs-info dump} do ({@link ImageCases}), and mutated OCI layers
 * pulled as {@code cfsj oci pull} does and read back ({@link LayerCases}), one case at a time under
 * a watchdog. A failure is any exception or {@code Error} the program must not let out, a broken
 * promise ({@link Outcome.Violation}), a stack trace printed by the code under test, an exception
 * escaping one of its threads, or a case that runs longer than the bound. Each is printed with its
 * seed and case number; {@code --seed S --kind K --case N} replays one case alone.
 *
 * <pre>
 * MutationRun [--images N] [--layers N] [--seed S] [--from N] [--timeout SECONDS] [--work DIR]
 * MutationRun --seed S --kind images|layers --case N [--save PATH]
 * </pre>
 *
 * Exit code 0 when every case ended as allowed, 1 otherwise, 2 on a usage error.
 */
public final class MutationRun {
    static final long DEFAULT_SEED = 20_251_111L;
    /** How long a hung case may go on running (abandoned) before the next case starts. */
    static final long AWAIT_HUNG_MS = 60_000;

    private final PrintStream out;
    /** What the code under test writes to stdout/stderr during a case. */
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final ConcurrentLinkedQueue<String> strayThrowables = new ConcurrentLinkedQueue<>();
    private long loggedLines;

    private MutationRun(PrintStream out) {
        this.out = out;
    }

    /** What one kind of case came to. */
    private static final class Tally {
        final String kind;
        long cases;
        long nanos;
        long slowestNanos = -1;
        long slowestCase;
        final TreeMap<String, Long> outcomes = new TreeMap<>();
        final Map<String, Failure> failures = new LinkedHashMap<>();
        long failed;

        Tally(String kind) {
            this.kind = kind;
        }
    }

    /** Failures with the same signature: how many, which cases, and the first one's details. */
    private static final class Failure {
        final String signature;
        final List<Long> cases = new ArrayList<>();
        String firstDescription;
        String firstDetail;

        Failure(String signature) {
            this.signature = signature;
        }
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        int code;
        try {
            code = new MutationRun(out).run(args);
        } catch (IllegalArgumentException e) {
            out.println("mutate: " + e.getMessage());
            out.println("usage: MutationRun [--images N] [--layers N] [--seed S] [--from N] [--timeout SECONDS] [--work DIR]");
            out.println("       MutationRun --seed S --kind images|layers --case N [--save PATH]");
            code = 2;
        } catch (Exception | Error e) {
            out.println("mutate: the run itself failed (not a case): " + e);
            e.printStackTrace(out);
            code = 1;
        }
        out.flush();
        Runtime.getRuntime().halt(code); // abandoned (hung) case threads must not keep the JVM alive
    }

    private int run(String[] args) throws Exception {
        long images = 100_000;
        long layers = 10_000;
        long seed = DEFAULT_SEED;
        long from = 0;
        long timeoutMs = 10_000;
        Long replay = null;
        String kind = null;
        Path work = null;
        Path save = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            switch (a) {
                case "--images" -> images = Long.parseLong(v);
                case "--layers" -> layers = Long.parseLong(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--from" -> from = Long.parseLong(v);
                case "--timeout" -> timeoutMs = (long) (Double.parseDouble(v) * 1000);
                case "--case" -> replay = Long.parseLong(v);
                case "--kind" -> kind = v;
                case "--work" -> work = Path.of(v);
                case "--save" -> save = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
            i++;
        }
        if (replay != null && !"images".equals(kind) && !"layers".equals(kind)) {
            throw new IllegalArgumentException("--case needs --kind images or --kind layers");
        }
        boolean ownWork = work == null;
        if (ownWork) {
            Path shm = Path.of("/dev/shm");
            work = Files.createTempDirectory(Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
                    "cfsj-mutate-");
        }
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> strayThrowables.add(t.getName() + ": " + e));
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            return replay != null ? replay(kind, replay, seed, timeoutMs, work, save) : campaign(images, layers, seed, from, timeoutMs, work);
        } finally {
            if (ownWork) {
                LayerCases.deleteTree(work);
            }
        }
    }

    private int replay(String kind, long n, long seed, long timeoutMs, Path work, Path save) throws IOException {
        Watchdog dog = new Watchdog(timeoutMs);
        Outcome o;
        String description;
        if (kind.equals("images")) {
            ImageCases cases = new ImageCases(work.resolve("images"), seed, out);
            description = cases.describe(n);
            out.println("mutate: images case " + n + " (seed " + seed + "): " + description);
            o = dog.run(() -> cases.run(n, save));
        } else {
            LayerCases cases = new LayerCases(work.resolve("layers"), seed, out);
            description = cases.describe(n);
            out.println("mutate: layers case " + n + " (seed " + seed + "): " + description);
            o = dog.run(() -> cases.run(n, save));
        }
        String printed = takeCaptured();
        if (!printed.isEmpty()) {
            out.println("mutate: the code under test printed:\n" + printed.strip());
        }
        switch (o) {
            case Outcome.Handled h -> out.println("mutate: handled: " + h.key());
            case Outcome.Hung h -> out.println("mutate: HUNG for more than " + h.millis() + " ms; it was at:" + h.stack());
            case Outcome.Failed f -> {
                out.println("mutate: FAILED: " + f.error());
                f.error().printStackTrace(out);
            }
        }
        if (save != null) {
            out.println("mutate: input saved to " + save + (kind.equals("layers")
                    ? " (an OCI layout: ./cfsj --repo DIR oci pull oci:" + save + ":latest NAME)" : ""));
        }
        boolean stray = !strayThrowables.isEmpty();
        strayThrowables.forEach(s -> out.println("mutate: exception escaped a thread: " + s));
        return o instanceof Outcome.Handled && !stray && !printed.contains("\tat ") ? 0 : 1;
    }

    private int campaign(long images, long layers, long seed, long from, long timeoutMs, Path work) throws IOException {
        long start = System.nanoTime();
        out.printf("mutate: seed %d, %d image cases, %d layer cases from case %d, watchdog %d ms per case, max heap %d MiB, work %s%n",
                seed, images, layers, from, timeoutMs, Runtime.getRuntime().maxMemory() >> 20, work);
        List<Tally> tallies = new ArrayList<>();
        boolean aborted = false;
        if (images > from) {
            ImageCases cases = new ImageCases(work.resolve("images"), seed, out);
            Tally t = new Tally("images");
            tallies.add(t);
            aborted = loop(t, from, images, seed, timeoutMs, n -> cases.run(n, null), cases::describe, null);
            cases.close();
        }
        if (!aborted && layers > from) {
            LayerCases cases = new LayerCases(work.resolve("layers"), seed, out);
            Tally t = new Tally("layers");
            tallies.add(t);
            aborted = loop(t, from, layers, seed, timeoutMs, n -> cases.run(n, null), cases::describe, () -> {
                try {
                    cases.rotate();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            cases.close();
        }
        summary(tallies, seed, (System.nanoTime() - start) / 1e9, aborted);
        long failed = tallies.stream().mapToLong(t -> t.failed).sum();
        return failed == 0 && !aborted ? 0 : 1;
    }

    interface CaseBody {
        Outcome run(long n) throws Exception;
    }

    /** Runs cases {@code from..count-1}; returns true if the run had to stop (too many hung threads). */
    private boolean loop(Tally t, long from, long count, long seed, long timeoutMs, CaseBody body,
            java.util.function.LongFunction<String> describe, Runnable afterHang) {
        Watchdog dog = new Watchdog(timeoutMs);
        long every = t.kind.equals("images") ? 5_000 : 500;
        long lastPrint = System.nanoTime();
        long sinceNanos = 0;
        long sinceCases = 0;
        for (long n = from; n < count; n++) {
            final long caseNo = n;
            long t0 = System.nanoTime();
            Outcome o = dog.run(() -> body.run(caseNo));
            long took = System.nanoTime() - t0;
            t.cases++;
            t.nanos += took;
            sinceNanos += took;
            sinceCases++;
            if (took > t.slowestNanos) {
                t.slowestNanos = took;
                t.slowestCase = n;
            }
            String printed = takeCaptured();
            List<String> stray = new ArrayList<>();
            for (String s; (s = strayThrowables.poll()) != null; ) {
                stray.add(s);
            }
            switch (o) {
                case Outcome.Handled h -> t.outcomes.merge(h.key(), 1L, Long::sum);
                case Outcome.Failed f -> fail(t, n, signature(f.error()), describe, detail(f.error()));
                case Outcome.Hung h -> {
                    fail(t, n, "hang (more than " + h.millis() + " ms) at " + topFrame(h.stack()), describe, "at:" + h.stack());
                    dog.awaitAbandoned(AWAIT_HUNG_MS);
                    if (afterHang != null) {
                        afterHang.run();
                    }
                }
            }
            if (printed.contains("\tat ") || printed.contains("Exception in thread")) {
                fail(t, n, "printed a stack trace: " + printed.lines().findFirst().orElse(""), describe, printed.strip());
            } else {
                loggedLines += printed.lines().count();
            }
            for (String s : stray) {
                fail(t, n, "exception escaped a thread: " + s, describe, s);
            }
            if (o instanceof Outcome.Hung && dog.stuck() >= Watchdog.MAX_ABANDONED) {
                out.printf("mutate: %s: %d hung cases still running; stopping this run after case %d%n", t.kind, dog.stuck(), n);
                return true;
            }
            if ((n + 1) % every == 0 || n + 1 == count) {
                double seconds = (System.nanoTime() - lastPrint) / 1e9;
                out.printf("mutate: %-6s %7d/%d  %.2f ms/case (last %d: %.1f s)  failures %d  heap %d MiB  rss peak %d MiB%n",
                        t.kind, n + 1, count, sinceNanos / 1e6 / Math.max(1, sinceCases), sinceCases, seconds, t.failed,
                        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20, vmHwmKiB() >> 10);
                lastPrint = System.nanoTime();
                sinceNanos = 0;
                sinceCases = 0;
            }
        }
        return false;
    }

    private void fail(Tally t, long n, String signature, java.util.function.LongFunction<String> describe, String detail) {
        t.failed++;
        Failure f = t.failures.computeIfAbsent(signature, Failure::new);
        f.cases.add(n);
        if (f.firstDescription == null) {
            try {
                f.firstDescription = describe.apply(n);
            } catch (OutOfMemoryError e) {
                f.firstDescription = "(not described: out of memory; replay the case)";
            }
            f.firstDetail = detail;
            out.printf("mutate: FAILURE %s case %d: %s%n         mutation: %s%n", t.kind, n, signature, f.firstDescription);
        }
    }

    /** Groups failures: the exception class and the first frame of cfsj code (for a stack overflow, its recursing frame). */
    static String signature(Throwable e) {
        if (e instanceof Outcome.Violation v) {
            String m = v.getMessage();
            int colon = m.indexOf(':');
            return "violation: " + (colon > 0 ? m.substring(0, colon) : m);
        }
        StackTraceElement frame = null;
        if (e instanceof StackOverflowError) {
            Map<String, Integer> counts = new HashMap<>();
            for (StackTraceElement f : e.getStackTrace()) {
                if (f.getClassName().startsWith("org.cfsj.") && !f.getClassName().startsWith("org.cfsj.it.")) {
                    counts.merge(f.getClassName() + "." + f.getMethodName(), 1, Integer::sum);
                }
            }
            String top = counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("?");
            return "StackOverflowError recursing in " + top;
        }
        for (StackTraceElement f : e.getStackTrace()) {
            if (f.getClassName().startsWith("org.cfsj.") && !f.getClassName().startsWith("org.cfsj.it.")) {
                frame = f;
                break;
            }
        }
        return e.getClass().getName() + " at " + (frame == null ? "?" : frame.getClassName() + "." + frame.getMethodName()
                + "(" + frame.getFileName() + ":" + frame.getLineNumber() + ")");
    }

    private static String detail(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e));
        StackTraceElement[] frames = e.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 8); i++) {
            b.append("\n        at ").append(frames[i]);
        }
        if (e.getCause() != null && e.getCause() != e) {
            b.append("\n      caused by ").append(e.getCause());
        }
        return b.toString();
    }

    private static String topFrame(String stack) {
        for (String line : stack.lines().toList()) {
            String l = line.strip();
            if (l.startsWith("at org.cfsj.") && !l.startsWith("at org.cfsj.it.")) {
                return l.substring(3);
            }
        }
        return stack.lines().skip(1).findFirst().orElse("?").strip();
    }

    private String takeCaptured() {
        synchronized (captured) {
            String s = captured.toString(StandardCharsets.UTF_8);
            captured.reset();
            return s;
        }
    }

    private void summary(List<Tally> tallies, long seed, double seconds, boolean aborted) {
        out.println();
        out.printf("mutate: summary (seed %d, %.0f s%s)%n", seed, seconds, aborted ? ", STOPPED EARLY" : "");
        for (Tally t : tallies) {
            out.printf("  %s: %d cases, %.2f ms/case on average, slowest case %d (%.0f ms), failures %d%n", t.kind, t.cases,
                    t.nanos / 1e6 / Math.max(1, t.cases), t.slowestCase, t.slowestNanos / 1e6, t.failed);
            t.outcomes.forEach((k, v) -> out.printf("    %8d  %s%n", v, k));
        }
        out.printf("  log lines printed by the code under test (no traces): %d%n", loggedLines);
        long heapPeak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                heapPeak += p.getPeakUsage().getUsed();
            }
        }
        out.printf("  memory: max heap %d MiB, heap peak (sum of pool peaks) %d MiB, peak RSS (VmHWM) %d MiB%n",
                Runtime.getRuntime().maxMemory() >> 20, heapPeak >> 20, vmHwmKiB() >> 10);
        boolean any = false;
        for (Tally t : tallies) {
            for (Failure f : t.failures.values()) {
                if (!any) {
                    out.println("  FAILURES (grouped; replay one with --seed S --kind K --case N):");
                    any = true;
                }
                out.printf("  - %s: %s%n      %d case(s): %s%n      first: --seed %d --kind %s --case %d%n      mutation: %s%n      %s%n",
                        t.kind, f.signature, f.cases.size(), f.cases.subList(0, Math.min(10, f.cases.size())) + (f.cases.size() > 10 ? " ..." : ""),
                        seed, t.kind, f.cases.getFirst(), f.firstDescription, f.firstDetail.replace("\n", "\n      "));
            }
        }
        if (!any) {
            out.println("  no failures");
        }
    }

    static long vmHwmKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: no figure
        }
        return -1;
    }
}
