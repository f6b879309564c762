package org.cfsj.it.mutate;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.erofs.Superblock;
import org.cfsj.erofs.ImageTree;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.scan.DirectoryScanner;
import org.cfsj.scan.ScanOptions;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.RandomTrees;
import org.cfsj.testsupport.Result;
import org.cfsj.tree.Directory;

/**
 * The valid images the image cases mutate, the same on every run: composefs images (format
 * versions 0 and 1) written by cfsj's writer from a generated directory tree whose external files
 * are in an object directory (so opening them goes through the verified object store), composefs
 * images of {@link RandomTrees} (odd names, escaped overlay xattrs, inline sizes at the limits;
 * their objects are missing), and mkfs.erofs images of the same directory tree (several layouts)
 * when mkfs.erofs is installed.
 *
 * <p>The tree: files of edge sizes, xattrs of several namespaces (one 2000 bytes), short, absolute
 * and 3000-byte symlinks, hardlinks, fifo, character and block devices and an overlay whiteout
 * (as root), setuid and sticky modes, odd owners, a 40-deep directory chain and a 600-entry
 * directory with names of 5..254 bytes (Debian's mkfs.erofs 1.5 fails on 255).
 */
final class ImageBases {
    record Base(String name, byte[] image) {}

    final List<Base> bases = new ArrayList<>();
    final Path objects;

    private ImageBases(Path objects) {
        this.objects = objects;
    }

    static ImageBases build(Path work, PrintStream log) throws IOException {
        Path tree = work.resolve("tree");
        Path objects = work.resolve("objects");
        Files.createDirectories(objects);
        ImageBases b = new ImageBases(objects);
        boolean root = "0".equals(run(work, "id", "-u").trim());
        makeTree(tree, root, work);
        Directory scanned = DirectoryScanner.scan(tree, new ScanOptions(ScanOptions.DEFAULT_INLINE_LIMIT, 1, objects, true));
        b.add("composefs-v0 tree", ComposefsImageWriter.toBytes(scanned, ComposefsImageWriter.Options.exactly(0)));
        b.add("composefs-v1 tree", ComposefsImageWriter.toBytes(scanned, ComposefsImageWriter.Options.exactly(1)));
        Directory inlined = DirectoryScanner.scan(tree, new ScanOptions(ScanOptions.MAX_INLINE_LIMIT, 1, objects, true));
        b.add("composefs tree inline<=5000", ComposefsImageWriter.toBytes(inlined, ComposefsImageWriter.Options.DEFAULT));
        b.add("composefs generated 1", ComposefsImageWriter.toBytes(new RandomTrees(1, RandomTrees.Profile.IMAGE).tree(300), ComposefsImageWriter.Options.DEFAULT));
        b.add("composefs generated 2", ComposefsImageWriter.toBytes(new RandomTrees(2, RandomTrees.Profile.IMAGE).tree(1500), ComposefsImageWriter.Options.DEFAULT));
        if (Command.onPath("mkfs.erofs")) {
            b.addMkfs(log, work, tree, "mkfs.erofs default", true);
            b.addMkfs(log, work, tree, "mkfs.erofs with checksum", false);
            b.addMkfs(log, work, tree, "mkfs.erofs noinline", true, "-Enoinline_data");
            b.addMkfs(log, work, tree, "mkfs.erofs chunked", true, "-Eforce-chunk-indexes", "--chunksize=8192");
            b.addMkfs(log, work, tree, "mkfs.erofs compact", true, "-Eforce-inode-compact");
        } else {
            log.println("mutate: mkfs.erofs not installed (Debian erofs-utils): mkfs.erofs bases left out");
        }
        if (!root) {
            log.println("mutate: not root: the bases have no device nodes, whiteouts, trusted.* xattrs or foreign owners");
        }
        return b;
    }

    private void add(String name, byte[] image) throws IOException {
        try (ErofsImage img = ErofsImage.of(image)) {
            ImageTree.read(img); // a base that is not readable would prove nothing
        }
        bases.add(new Base(name, image));
    }

    /** A mkfs.erofs base; one that this mkfs.erofs cannot make is left out with a line in the log. */
    private void addMkfs(PrintStream log, Path work, Path tree, String name, boolean clearChecksum, String... options)
            throws IOException {
        byte[] image;
        try {
            image = mkfs(work, "b" + bases.size(), tree, options);
        } catch (IOException e) {
            log.println("mutate: base '" + name + "' left out: " + e.getMessage());
            return;
        }
        add(name, clearChecksum ? withoutChecksum(image) : image);
    }

    private static byte[] mkfs(Path work, String name, Path tree, String... options) throws IOException {
        Path out = work.resolve(name + ".erofs");
        List<String> cmd = new ArrayList<>(List.of("mkfs.erofs", "--quiet", "-T0", "-U00000000-0000-0000-0000-000000000001"));
        cmd.addAll(List.of(options));
        cmd.add(out.toString());
        cmd.add(tree.toString());
        run(work, cmd.toArray(String[]::new));
        return Files.readAllBytes(out);
    }

    /** Clears the superblock checksum feature so that mutated superblock fields reach the code behind it. */
    private static byte[] withoutChecksum(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int at = ErofsLayout.SUPERBLOCK_OFFSET + Superblock.FEATURE_COMPAT;
        b.putInt(at, b.getInt(at) & ~ErofsLayout.FEATURE_COMPAT_SB_CHKSUM);
        return image;
    }

    private static void makeTree(Path root, boolean asRoot, Path work) throws IOException {
        Random r = new Random(11);
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("usr/bin"));
        for (int size : new int[] {0, 1, 63, 64, 65, 100, 4095, 4096, 4097, 5000, 9000, 70_000}) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            Files.write(root.resolve("file-" + size), b);
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.write(root.resolve("usr/bin/tool"), new byte[300]);
        run(work, "chmod", "4755", root.resolve("usr/bin/tool").toString());
        Files.createDirectories(root.resolve("tmp"));
        run(work, "chmod", "1777", root.resolve("tmp").toString());
        Files.createSymbolicLink(root.resolve("link"), Path.of("file-100"));
        Files.createSymbolicLink(root.resolve("abs-link"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("etc/long-link"), Path.of("t".repeat(3000)));
        Files.createLink(root.resolve("etc/hard-100"), root.resolve("file-100"));
        Files.createLink(root.resolve("etc/hard-1"), root.resolve("file-1"));
        run(work, "mkfifo", root.resolve("fifo").toString());
        Path deep = root;
        for (int i = 0; i < 40; i++) {
            deep = deep.resolve("d" + i);
        }
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("bottom"), "the bottom of the chain, long enough to be an external file....");
        Path many = root.resolve("many");
        Files.createDirectories(many);
        for (int i = 0; i < 600; i++) {
            String name = String.format("%04d-", i) + "n".repeat(i % 250);
            Files.writeString(many.resolve(name), i % 3 == 0 ? "" : "x".repeat(i % 90));
        }
        setfattr(work, root.resolve("file-1"), "user.a", new byte[] {1, 2, 3});
        setfattr(work, root.resolve("file-100"), "user.big", new byte[2000]);
        setfattr(work, root.resolve("etc"), "user.shared", "same".getBytes(StandardCharsets.US_ASCII));
        setfattr(work, root.resolve("usr"), "user.shared", "same".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 8; i++) {
            setfattr(work, many.resolve(String.format("%04d-", i) + "n".repeat(i % 250)), "user.shared",
                    "same".getBytes(StandardCharsets.US_ASCII));
        }
        if (asRoot) {
            setfattr(work, root.resolve("file-4096"), "trusted.t", "trusted value".getBytes(StandardCharsets.US_ASCII));
            setfattr(work, root.resolve("etc"), "security.s", new byte[] {(byte) 0x80, 0});
            setfattr(work, root.resolve("usr"), "trusted.overlay.opaque", new byte[] {'y'});
            run(work, "mknod", root.resolve("null").toString(), "c", "1", "3");
            run(work, "mknod", root.resolve("sda1").toString(), "b", "8", "1");
            run(work, "mknod", root.resolve("whiteout").toString(), "c", "0", "0");
            run(work, "chown", "70000:70001", root.resolve("file-0").toString());
            run(work, "chown", "-h", "5:6", root.resolve("link").toString());
        }
        // fixed times: the same bases on every run (touch -h: no open, which would block on the fifo)
        run(work, "find", root.toString(), "-exec", "touch", "-h", "-d", "@1700000000", "{}", "+");
    }

    private static void setfattr(Path work, Path p, String name, byte[] value) throws IOException {
        run(work, "setfattr", "-h", "-n", name, "-v", "0x" + HexFormat.of().formatHex(value), p.toString());
    }

    /** Runs a tool in {@code work}; returns its output (stdout and stderr), throws unless it exits 0. */
    static String run(Path work, String... cmd) throws IOException {
        try {
            Result r = Command.of(cmd).dir(work).mergeStderr().run();
            if (r.exit() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + r.out().strip());
            }
            return r.out();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
