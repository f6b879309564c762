package org.cfsj.it.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Real tools and the packaged cfsj CLI (its own JVM, as a user runs it) for the container tests. */
final class Tools {
    private Tools() {}

    record Result(int exit, String out, String err) {
        String describe() {
            return "exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    static boolean onPath(String tool) {
        for (String dir : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static Result run(List<String> cmd, Map<String, String> env, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        // stderr on a thread of its own, stdout here: a pool (CompletableFuture's common pool has
        // one thread on a 2-core machine) could run one reader after the other and deadlock on a
        // full pipe
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
        Result r = run(List.of(cmd), Map.of(), 600);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r.describe());
        }
        return r.out();
    }

    /** {@code java -jar cli/target/cfsj.jar ARGS}: the packaged CLI. */
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
        return run(cfsjCommand(List.of(args)), Map.of(), 600);
    }

    /**
     * crun 1.8 refuses this VM's hybrid cgroup layout (v2 controllers enabled at
     * /sys/fs/cgroup/unified); {@code cfsj oci run --hide-cgroup-v2-controllers} hides them from
     * crun in a private mount namespace. Given only where it is needed.
     */
    static List<String> cgroupWorkaround() throws IOException {
        Path controllers = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
        return Files.isRegularFile(controllers) && !Files.readString(controllers).isBlank()
                ? List.of("--hide-cgroup-v2-controllers") : List.of();
    }

    /** Mount points whose path contains {@code fragment}, from /proc/self/mounts. */
    static List<String> mountsContaining(String fragment) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.contains(fragment)).toList();
    }
}
