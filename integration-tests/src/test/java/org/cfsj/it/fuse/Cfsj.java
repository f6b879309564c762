package org.cfsj.it.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code cfsj} command, as a user runs it: the packaged CLI jar in a JVM of its own.
 * In the Maven reactor the cli module is packaged before these tests run, so the jar exists.
 */
final class Cfsj {
    private Cfsj() {}

    static Path jar() {
        String root = System.getProperty("cfsj.root.dir");
        if (root == null) {
            throw new IllegalStateException("system property cfsj.root.dir is not set (surefire sets it to the repository root)");
        }
        Path jar = Path.of(root, "cli", "target", "cfsj.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: package the cli module first (mvn -pl cli -am package)");
        }
        return jar;
    }

    /** The java binary of this JVM, so the CLI runs on the same JDK as the tests. */
    static String java() {
        return ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot tell this JVM's java binary"));
    }

    /** The command line that runs {@code cfsj ARGS...}; {@code tmpDir}, if not null, is its only temp directory. */
    static List<String> command(Path tmpDir, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED"));
        if (tmpDir != null) {
            cmd.add("-Djava.io.tmpdir=" + tmpDir);
        }
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(args);
        return cmd;
    }

    record Result(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.ISO_8859_1);
        }

        String describe() {
            return "exit " + exit + ", stderr:\n" + stderr;
        }
    }

    /** Runs {@code cfsj ARGS...} to completion (at most {@code timeoutSeconds}). */
    static Result run(long timeoutSeconds, String... args) throws IOException, InterruptedException {
        return exec(command(null, List.of(args)), timeoutSeconds);
    }

    /** Runs any command, collecting stdout and stderr separately. */
    static Result exec(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return ("(reading stderr failed: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IOException("timed out after " + timeoutSeconds + " s: " + cmd);
        }
        return new Result(p.exitValue(), out, new String(err.join(), StandardCharsets.UTF_8));
    }
}
