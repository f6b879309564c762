package org.cfsj.it.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real processes for the security tests: the packaged {@code cfsj} CLI in a JVM of its own, host
 * tools, and commands run as the unprivileged user {@code nobody} (uid 65534).
 */
final class Host {
    static final int NOBODY = 65534;

    private Host() {}

    record Result(int exit, String out, String err) {
        String describe() {
            return "exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static boolean onPath(String tool) {
        for (String dir : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Skips unless the tests can mount (root, /dev/fuse) and act as nobody (setpriv). */
    static void requireRootFuseAndNobody() {
        Assumptions.assumeTrue(isRoot(), "SKIPPED: these tests mount as root and attack as nobody: run the suite as root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: /dev/fuse is missing");
        Assumptions.assumeTrue(onPath("setpriv"), "SKIPPED: setpriv (util-linux) is not installed");
    }

    static Result run(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        CompletableFuture<String> err = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.complete("(reading stderr failed: " + e + ")");
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + cmd);
        }
        return new Result(p.exitValue(), out, err.join());
    }

    /** Runs a tool and throws with its output unless it exits 0; returns stdout. */
    static String check(String... cmd) throws IOException, InterruptedException {
        Result r = run(List.of(cmd), 600);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r.describe());
        }
        return r.out();
    }

    /**
     * A shell command line run as nobody. Through {@code sh -c}: setpriv itself execs its
     * command before all of root's privileges are gone, so a path given to it directly is walked
     * with root's rights.
     */
    static Result asNobody(String shellCommand) throws IOException, InterruptedException {
        return run(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--", "/bin/sh", "-c",
                shellCommand), 60);
    }

    /** {@code java -jar cli/target/cfsj.jar ARGS}: the packaged CLI, as a user runs it. */
    static List<String> cfsjCommand(List<String> args) {
        String root = System.getProperty("cfsj.root.dir");
        if (root == null) {
            throw new IllegalStateException("system property cfsj.root.dir is not set (surefire sets it)");
        }
        Path jar = Path.of(root, "cli", "target", "cfsj.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: package the cli module first (mvn -pl cli -am package)");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        cmd.addAll(args);
        return cmd;
    }

    static Result cfsj(String... args) throws IOException, InterruptedException {
        return run(cfsjCommand(List.of(args)), 300);
    }

    /** The /proc/self/mountinfo line of the mount at exactly {@code dir}, or null. */
    static String mountinfo(Path dir) throws IOException {
        String line = null;
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = l.split(" ");
            if (f.length > 4 && f[4].equals(dir.toString())) {
                line = l;
            }
        }
        return line;
    }

    /** The per-mount options of a mountinfo line (field 6), e.g. {@code ro,nosuid,nodev,relatime}. */
    static List<String> mountOptions(String mountinfoLine) {
        return List.of(mountinfoLine.split(" ")[5].split(","));
    }

    /** Unmounts whatever is still mounted at {@code dir} (lazily), for cleanup after a failed test. */
    static void forceUnmount(Path dir) throws IOException, InterruptedException {
        while (mountinfo(dir) != null) {
            if (run(List.of("umount", "-l", dir.toString()), 60).exit() != 0) {
                return;
            }
        }
    }
}
