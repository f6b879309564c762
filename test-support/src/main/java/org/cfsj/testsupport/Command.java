package org.cfsj.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An external command run from a test: a host tool, a shell line, or the packaged CLI (see
 * {@link Cfsj}). A value built up step by step ({@code Command.of("tar", "-cf", ...).timeout(...)
 * .run()}); every step returns a new command.
 *
 * <p>Invariants: the child never inherits the test JVM's stdin (it gets the given bytes, or an empty
 * stream); stdout and stderr are read concurrently on threads of their own, so a child that fills
 * one pipe while the test waits on the other cannot deadlock (a shared pool might have a single
 * thread on a 2-core machine, hence dedicated threads); a child that outlives its timeout is killed
 * and the run fails with an {@link IOException} naming the command.
 *
 * <p>What a command holds: its argv; the bytes written to its stdin, then closed; its timeout (a
 * guard against hangs, not a measurement); variables added to the test JVM's environment; its
 * working directory (null: the test JVM's); whether stderr goes into stdout ({@code 2>&1}); a file
 * that takes stdout instead of capturing it (binary output), or null.
 */
public final class Command {
    /** The timeout unless one is given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    /** The unprivileged user {@code nobody}. */
    public static final int NOBODY = 65534;

    private final List<String> argv;
    private final byte[] stdin;
    private final Duration timeout;
    private final Map<String, String> env;
    private final Path dir;
    private final boolean mergeStderr;
    private final Path stdoutFile;

    private Command(List<String> argv, byte[] stdin, Duration timeout, Map<String, String> env, Path dir,
            boolean mergeStderr, Path stdoutFile) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        this.argv = List.copyOf(argv);
        this.stdin = stdin;
        this.timeout = timeout;
        this.env = Map.copyOf(env);
        this.dir = dir;
        this.mergeStderr = mergeStderr;
        this.stdoutFile = stdoutFile;
    }

    /** The command and its arguments. */
    public List<String> argv() {
        return argv;
    }

    public static Command of(String... argv) {
        return of(List.of(argv));
    }

    public static Command of(List<String> argv) {
        return new Command(argv, new byte[0], DEFAULT_TIMEOUT, Map.of(), null, false, null);
    }

    /** {@code /bin/sh -c LINE}. */
    public static Command shell(String line) {
        return of("/bin/sh", "-c", line);
    }

    public Command stdin(byte[] bytes) {
        return new Command(argv, bytes.clone(), timeout, env, dir, mergeStderr, stdoutFile);
    }

    public Command timeout(Duration t) {
        return new Command(argv, stdin, t, env, dir, mergeStderr, stdoutFile);
    }

    public Command timeoutSeconds(long seconds) {
        return timeout(Duration.ofSeconds(seconds));
    }

    public Command env(String name, String value) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put(name, value);
        return new Command(argv, stdin, timeout, e, dir, mergeStderr, stdoutFile);
    }

    public Command env(Map<String, String> more) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.putAll(more);
        return new Command(argv, stdin, timeout, e, dir, mergeStderr, stdoutFile);
    }

    public Command dir(Path workingDirectory) {
        return new Command(argv, stdin, timeout, env, workingDirectory, mergeStderr, stdoutFile);
    }

    public Command mergeStderr() {
        return new Command(argv, stdin, timeout, env, dir, true, stdoutFile);
    }

    public Command stdoutTo(Path file) {
        return new Command(argv, stdin, timeout, env, dir, mergeStderr, file);
    }

    /** The same argv in front of which {@code WRAPPER...} goes, e.g. a shell that sets a limit first. */
    public Command wrappedIn(List<String> wrapper) {
        List<String> a = new ArrayList<>(wrapper);
        a.addAll(argv);
        return new Command(a, stdin, timeout, env, dir, mergeStderr, stdoutFile);
    }

    /**
     * Runs as {@code uid}/{@code gid} with no supplementary groups, through {@code setpriv}
     * (util-linux; the test JVM must be root). setpriv execs its command before all of root's
     * privileges are gone, so a path given to it directly is walked with root's rights: to test
     * what the user can reach, run a shell line ({@link #shell}) as the user.
     */
    public Command asUser(int uid, int gid) {
        return wrappedIn(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
    }

    /** Starts the command and waits for it (at most {@link #timeout}). */
    public Result run() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(mergeStderr);
        pb.environment().putAll(env);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        if (stdoutFile != null) {
            pb.redirectOutput(stdoutFile.toFile());
        }
        Process p = pb.start();
        Pump out = stdoutFile == null ? new Pump(p.getInputStream()) : null;
        Pump err = mergeStderr ? null : new Pump(p.getErrorStream());
        Thread feeder = Thread.ofPlatform().daemon().start(() -> feed(p.getOutputStream()));
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IOException("timed out after " + timeout.toSeconds() + " s: " + argv);
        }
        feeder.join();
        return new Result(argv, p.exitValue(), out == null ? new byte[0] : out.bytes(), err == null ? "" : err.text());
    }

    /** Runs the command and returns its stdout (UTF-8) if it exits 0; throws with its output otherwise. */
    public String check() throws IOException, InterruptedException {
        Result r = run();
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + r.describe());
        }
        return r.out();
    }

    private void feed(OutputStream in) {
        try (in) {
            in.write(stdin);
        } catch (IOException e) {
            // the child exited without reading all of its input: its exit code tells the story
        }
    }

    /** Whether {@code tool} is an executable in a PATH directory or in /usr/sbin or /sbin. */
    public static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the test JVM runs as root (its effective uid, as /proc/self shows it, is 0). */
    public static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** Drains one of the child's output streams on a thread of its own. */
    private static final class Pump {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;
        private IOException failure;

        Pump(InputStream in) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                try (in) {
                    in.transferTo(buf);
                } catch (IOException e) {
                    failure = e;
                }
            });
        }

        byte[] bytes() throws InterruptedException {
            thread.join();
            return buf.toByteArray();
        }

        String text() throws InterruptedException {
            byte[] b = bytes();
            String s = new String(b, java.nio.charset.StandardCharsets.UTF_8);
            return failure == null ? s : s + "(reading failed: " + failure + ")";
        }
    }
}
