package org.cfsj.erofs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Helpers for tests that build EROFS images with Debian's mkfs.erofs from generated trees. */
final class MkfsErofs {
    private MkfsErofs() {}

    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "mkfs.erofs"))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/bin/mkfs.erofs")) || Files.isExecutable(Path.of("/sbin/mkfs.erofs"));
    }

    static void assumeAvailable() {
        Assumptions.assumeTrue(available(), "mkfs.erofs (Debian erofs-utils) is not installed: skipping");
    }

    static boolean isRoot() {
        try {
            return "0".equals(run("id", "-u").trim());
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs mkfs.erofs with extra options; returns the image path. */
    static Path mkfs(Path image, Path source, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("mkfs.erofs", "--quiet"));
        cmd.addAll(List.of(options));
        cmd.add(image.toString());
        cmd.add(source.toString());
        run(cmd.toArray(String[]::new));
        return image;
    }

    static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    static void setfattr(Path p, String name, byte[] value) throws IOException {
        run("setfattr", "-h", "-n", name, "-v", "0x" + HexFormat.of().formatHex(value), p.toString());
    }

    /**
     * A tree with every file type cfsj must read: directories (one with enough entries for
     * several directory blocks), regular files of edge sizes, short and long symlinks, fifo,
     * socket, devices, hardlinks, binary xattrs of several namespaces (some shared), 255-byte
     * names (254: mkfs.erofs 1.5 limit), odd owners and nanosecond mtimes.
     */
    static void buildRichTree(Path root, long seed) throws IOException {
        Random rnd = new Random(seed);
        Files.createDirectories(root.resolve("d/sub/deep"));
        Files.createDirectories(root.resolve("empty"));
        for (int size : new int[] {0, 1, 4095, 4096, 5000, 70000}) {
            byte[] data = new byte[size];
            rnd.nextBytes(data);
            Files.write(root.resolve("f" + size), data);
        }
        Files.writeString(root.resolve("d/sub/deep/hello.txt"), "hello world\n");
        Files.write(root.resolve("compressible"), "abcdefgh".repeat(4000).getBytes(StandardCharsets.US_ASCII));
        Files.createSymbolicLink(root.resolve("link"), Path.of("f1"));
        Files.createSymbolicLink(root.resolve("longlink"), Path.of("x".repeat(1000) + "/" + "y".repeat(999)));
        Files.createSymbolicLink(root.resolve("d/dangling"), Path.of("../nowhere"));
        Files.createLink(root.resolve("hardlink"), root.resolve("f4095"));
        Files.createLink(root.resolve("d/hardlink2"), root.resolve("f4095"));
        run("mkfifo", root.resolve("fifo").toString());
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(root.resolve("sock")));
        }
        if (isRoot()) {
            run("mknod", root.resolve("null").toString(), "c", "1", "3");
            run("mknod", root.resolve("sda1").toString(), "b", "8", "1");
            run("mknod", root.resolve("whiteout").toString(), "c", "0", "0");
            run("mknod", root.resolve("bigdev").toString(), "c", "259", "70000");
            run("chown", "1000:1000", root.resolve("f1").toString());
            run("chown", "70000:70001", root.resolve("f0").toString());
            run("chown", "-h", "5:6", root.resolve("link").toString());
        }
        // Debian's mkfs.erofs 1.5 fails ("Could not format the device: No such file or directory")
        // on 255-byte names, so the longest names here are 254 bytes
        String longName = "n".repeat(254);
        Files.writeString(root.resolve(longName), "long name");
        Files.createDirectories(root.resolve("d/" + "m".repeat(254)));
        // enough entries for a multi-block directory, so lookups binary-search across blocks
        Path many = Files.createDirectories(root.resolve("many"));
        for (int i = 0; i < 400; i++) {
            Files.writeString(many.resolve(String.format("entry-%04d-%s", i, "z".repeat(i % 40))), Integer.toString(i));
        }
        // xattrs: binary values, several namespaces, one shared by many files
        setfattr(root.resolve("f1"), "user.bin", new byte[] {0, (byte) 0xff, 1, '\n', '='});
        setfattr(root.resolve("f1"), "trusted.t", "trusted value".getBytes(StandardCharsets.US_ASCII));
        setfattr(root.resolve("d"), "security.s", new byte[] {(byte) 0x80, 0});
        byte[] big = new byte[1000];
        rnd.nextBytes(big);
        setfattr(root.resolve("f5000"), "user.big", big);
        setfattr(root.resolve("link"), "trusted.onlink", new byte[] {42});
        for (int i = 0; i < 10; i++) {
            Path p = many.resolve(String.format("entry-%04d-%s", i, "z".repeat(i % 40)));
            setfattr(p, "user.shared", "same everywhere".getBytes(StandardCharsets.US_ASCII));
            setfattr(p, "trusted.shared2", new byte[] {1, 2, 3});
        }
        // mtimes with nanoseconds (regular files and directories)
        Files.setLastModifiedTime(root.resolve("f0"), FileTime.from(Instant.ofEpochSecond(1_000_000_000L, 123_456_789)));
        Files.setLastModifiedTime(root.resolve("d/sub"), FileTime.from(Instant.ofEpochSecond(86400, 1)));
        Files.setPosixFilePermissions(root.resolve("f1"), java.nio.file.attribute.PosixFilePermissions.fromString("r-x-w---x"));
        run("chmod", "4755", root.resolve("f4096").toString());
        run("chmod", "1777", root.resolve("empty").toString());
    }
}
