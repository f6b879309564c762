package org.cfsj.it.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Running real tools (and the real cfsj CLI jar) from the OCI tests. */
final class Sh {
    private Sh() {}

    record Result(int exit, String out, String err) {
        String describe() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    static boolean onPath(String tool) {
        for (String dir : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static Result run(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        // stderr on a thread of its own: CompletableFuture's common pool has one thread on a
        // 2-core machine, so a busy pool could leave stderr unread and the child blocked on it
        CompletableFuture<String> err = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.complete("(reading stderr failed: " + e + ")");
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + cmd);
        }
        return new Result(p.exitValue(), out, err.join());
    }

    /** Runs a tool and fails the test with its output unless it exits 0. */
    static String check(String... cmd) throws IOException, InterruptedException {
        Result r = run(List.of(cmd), 300);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r.describe());
        }
        return r.out();
    }

    /** The packaged CLI ({@code cli/target/cfsj.jar}), run in its own JVM as a user runs it. */
    static Path cfsjJar() {
        String root = System.getProperty("cfsj.root.dir");
        if (root == null) {
            throw new IllegalStateException("system property cfsj.root.dir is not set (surefire sets it)");
        }
        Path jar = Path.of(root, "cli", "target", "cfsj.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: package the cli module first (mvn -pl cli -am package)");
        }
        return jar;
    }

    static List<String> cfsjCommand(List<String> args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-jar", cfsjJar().toString()));
        cmd.addAll(args);
        return cmd;
    }

    static Result cfsj(String... args) throws IOException, InterruptedException {
        return run(cfsjCommand(List.of(args)), 300);
    }

    /** Runs cfsj with stdout into a file (binary output such as export-layer); returns the exit code. */
    static int cfsjToFile(Path stdout, String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cfsjCommand(List.of(args)))
                .redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        p.getOutputStream().close();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: cfsj " + String.join(" ", args));
        }
        return p.exitValue();
    }
}
