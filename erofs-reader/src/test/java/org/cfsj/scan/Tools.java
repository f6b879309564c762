package org.cfsj.scan;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the real tools the scanner is checked against; output is kept as raw bytes. */
final class Tools {
    private Tools() {}

    static boolean available(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    /** Runs a command in {@code dir}; returns stdout bytes, fails with stderr on a non-zero exit. */
    static byte[] run(Path dir, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir == null ? null : dir.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errPump = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        byte[] out = p.getInputStream().readAllBytes();
        int rc = p.waitFor();
        errPump.join();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + rc + ": " + err.toString(StandardCharsets.UTF_8));
        }
        return out;
    }

    static byte[] bash(Path dir, String script) throws IOException, InterruptedException {
        return run(dir, "bash", "-euo", "pipefail", "-c", script);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process died; its exit code tells the story
        }
    }

    /** Splits bytes at every {@code sep}; a trailing separator yields no empty last field. */
    static List<byte[]> split(byte[] data, byte sep) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == sep) {
                out.add(java.util.Arrays.copyOfRange(data, start, i));
                start = i + 1;
            }
        }
        if (start < data.length) {
            out.add(java.util.Arrays.copyOfRange(data, start, data.length));
        }
        return out;
    }
}
