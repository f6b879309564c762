package org.cfsj.it.oci;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.cfsj.testsupport.Command;

/**
 * Builds the test images from real directories: layer directories made with real files (the
 * busybox-static binary and its applet links, xattrs set with setfattr, a setuid file, a
 * hardlink, a fifo, a device node, whiteouts), tarred with GNU tar, compressed with gzip or
 * zstd, and written into an OCI image layout by hand. The expected merged tree is made from the
 * same layer directories by extracting the tars with GNU tar and applying the whiteouts here,
 * so it owes nothing to cfsj's import code.
 */
final class TestImages {
    /** Every file's mtime, so that tar (seconds) and the expected tree agree. */
    static final long MTIME = 1_700_000_000L;
    static final String BUSYBOX = "/bin/busybox";

    enum Codec { GZIP, ZSTD }

    record Layer(Path dir, Path tar, String diffId) {}

    record Manifest(String digest, long size, String config) {}

    private final Path work;
    private final Path layout;
    private final List<String> indexEntries = new ArrayList<>();

    TestImages(Path work) throws IOException {
        this.work = work;
        this.layout = work.resolve("layout");
        Files.createDirectories(layout.resolve("blobs/sha256"));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    }

    Path layout() {
        return layout;
    }

    // ---- layer directories ----

    /** Layer 1: busybox, its applet links, config files, a setuid file, a file to be whited out, a dir to be made opaque. */
    Path baseLayer() throws IOException, InterruptedException {
        Path d = work.resolve("l1");
        mkdirs(d, "bin", "sbin", "usr/bin", "usr/sbin", "etc", "opt", "var/cache/old", "data", "usr/share/doc");
        Files.copy(Path.of(BUSYBOX), d.resolve("bin/busybox"));
        chmod(d.resolve("bin/busybox"), "0755");
        for (String applet : Command.of(BUSYBOX, "--list-full").check().split("\n")) {
            applet = applet.strip();
            if (applet.isEmpty() || applet.equals("bin/busybox")) {
                continue;
            }
            Path link = d.resolve(applet);
            Files.createDirectories(link.getParent());
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("/bin/busybox"));
            }
        }
        Files.writeString(d.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
        Files.writeString(d.resolve("etc/group"), "root:x:0:\nuser:x:1000:\n");
        Files.writeString(d.resolve("etc/motd"), "layer one\n");
        Command.of("setfattr", "-n", "user.cfsj.test", "-v", "hello", d.resolve("etc/motd").toString()).check();
        Files.write(d.resolve("bin/suid-helper"), random(1, 3000));
        chmod(d.resolve("bin/suid-helper"), "4755");
        Files.write(d.resolve("usr/share/doc/big1"), random(2, 200_000));
        Files.writeString(d.resolve("opt/removeme"), "gone in layer 2\n");
        Files.writeString(d.resolve("opt/keep"), "kept\n");
        Files.writeString(d.resolve("var/cache/old/a"), "a\n");
        Files.write(d.resolve("var/cache/old/b"), random(3, 5000));
        Files.writeString(d.resolve("data/file"), "data\n");
        return d;
    }

    /** Layer 2: a whiteout, an opaque dir with new content, a hardlink pair, a replaced file with another xattr. */
    Path secondLayer() throws IOException, InterruptedException {
        Path d = work.resolve("l2");
        mkdirs(d, "opt", "var/cache/old", "data", "etc");
        Files.writeString(d.resolve("opt/.wh.removeme"), "");
        Files.writeString(d.resolve("var/cache/old/.wh..wh..opq"), "");
        Files.writeString(d.resolve("var/cache/old/c"), "only c remains\n");
        Files.write(d.resolve("data/file2"), random(4, 10_000));
        Files.createLink(d.resolve("data/link2"), d.resolve("data/file2"));
        Files.writeString(d.resolve("etc/motd"), "layer two\n");
        Command.of("setfattr", "-n", "user.cfsj.layer", "-v", "2", d.resolve("etc/motd").toString()).check();
        Command.of("setfattr", "-n", "user.cfsj.dir", "-v", "yes", d.resolve("data").toString()).check();
        return d;
    }

    /** Layer 3: a bigger file, a home directory owned by 1000, a fifo, a device node, a setgid dir. */
    Path thirdLayer() throws IOException, InterruptedException {
        Path d = work.resolve("l3");
        mkdirs(d, "usr/share/doc", "home/user", "dev", "srv/shared");
        Files.write(d.resolve("usr/share/doc/big2"), random(5, 1_000_000));
        Files.writeString(d.resolve("home/user/.profile"), "export PS1='$ '\n");
        Command.of("chown", "-R", "1000:1000", d.resolve("home/user").toString()).check();
        Command.of("mkfifo", d.resolve("dev/fifo").toString()).check();
        Command.of("mknod", d.resolve("dev/null").toString(), "c", "1", "3").check();
        chmod(d.resolve("srv/shared"), "2775");
        return d;
    }

    /** A layer of its own: one file with content no other test image has. */
    Path uniqueLayer(String name, long seed, int size) throws IOException, InterruptedException {
        Path d = work.resolve(name);
        mkdirs(d, "unique");
        Files.write(d.resolve("unique/" + name), random(seed, size));
        return d;
    }

    /** A layer of incompressible files, for pulls that take a while. */
    Path bulkLayer(String name, long seed, int files, int size) throws IOException, InterruptedException {
        Path d = work.resolve(name);
        mkdirs(d, "bulk/" + name);
        for (int i = 0; i < files; i++) {
            Files.write(d.resolve("bulk/" + name + "/f" + i), random(seed * 1000 + i, size));
        }
        return d;
    }

    private static void mkdirs(Path d, String... dirs) throws IOException {
        Files.createDirectories(d);
        for (String s : dirs) {
            Files.createDirectories(d.resolve(s));
        }
    }

    private static void chmod(Path p, String mode) throws IOException, InterruptedException {
        Command.of("chmod", mode, p.toString()).check();
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    // ---- tars, blobs, manifests ----

    /** Tars a layer directory with GNU tar (PAX, xattrs, numeric ids, sorted, fixed mtimes). */
    Layer tar(Path dir) throws IOException, InterruptedException {
        Command.of("find", dir.toString(), "-exec", "touch", "-h", "-d", "@" + MTIME, "{}", "+").check();
        Path tar = work.resolve(dir.getFileName() + ".tar");
        Command.of("tar", "--format=pax", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--sort=name", "-C", dir.toString(), "-cf", tar.toString(), ".").check();
        return new Layer(dir, tar, "sha256:" + sha256(tar));
    }

    /** Compresses a layer tar into a blob of the layout; returns its descriptor JSON. */
    String layerBlob(Layer layer, Codec codec) throws IOException {
        Path tmp = work.resolve("blob.tmp");
        try (InputStream in = Files.newInputStream(layer.tar());
                OutputStream out = codec == Codec.GZIP
                        ? new GZIPOutputStream(Files.newOutputStream(tmp), 1 << 16)
                        : new ZstdOutputStream(Files.newOutputStream(tmp), 3)) {
            in.transferTo(out);
        }
        String digest = "sha256:" + sha256(tmp);
        long size = Files.size(tmp);
        Files.move(tmp, blobPath(digest), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String type = codec == Codec.GZIP ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar+zstd";
        return descriptor(type, digest, size);
    }

    String blob(byte[] content) throws IOException {
        String digest = "sha256:" + HexFormat.of().formatHex(sha256().digest(content));
        Files.write(blobPath(digest), content);
        return digest;
    }

    private Path blobPath(String digest) {
        return layout.resolve("blobs/sha256/" + digest.substring(7));
    }

    static String descriptor(String type, String digest, long size) {
        return "{\"mediaType\":\"" + type + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    /** Writes config and manifest blobs for an image of these layers. */
    Manifest image(String arch, List<Layer> layers, List<String> layerDescriptors) throws IOException {
        StringBuilder diffIds = new StringBuilder();
        for (Layer l : layers) {
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(l.diffId()).append('"');
        }
        byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                + descriptor("application/vnd.oci.image.config.v1+json", configDigest, config.length)
                + ",\"layers\":[" + String.join(",", layerDescriptors) + "]}").getBytes(StandardCharsets.UTF_8);
        return new Manifest(blob(manifest), manifest.length, configDigest);
    }

    /** An OCI index over platform-specific manifests; returns its digest and size. */
    Manifest index(List<Manifest> manifests, List<String> platforms) throws IOException {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            String[] p = platforms.get(i).split("/");
            String d = descriptor("application/vnd.oci.image.manifest.v1+json", manifests.get(i).digest(), manifests.get(i).size());
            entries.add(d.substring(0, d.length() - 1) + ",\"platform\":{\"os\":\"" + p[0] + "\",\"architecture\":\"" + p[1] + "\""
                    + (p.length > 2 ? ",\"variant\":\"" + p[2] + "\"" : "") + "}}");
        }
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + String.join(",", entries) + "]}").getBytes(StandardCharsets.UTF_8);
        return new Manifest(blob(index), index.length, null);
    }

    /** Names a manifest or index in the layout's index.json under {@code tag}. */
    void tag(String tag, Manifest m, boolean isIndex) throws IOException {
        String type = isIndex ? "application/vnd.oci.image.index.v1+json" : "application/vnd.oci.image.manifest.v1+json";
        String d = descriptor(type, m.digest(), m.size());
        indexEntries.add(d.substring(0, d.length() - 1) + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + String.join(",", indexEntries) + "]}");
    }

    // ---- the expected tree ----

    /**
     * The merged root filesystem of these layers as a real directory: each layer's whiteouts
     * applied to what is below (from the layer directory), then its tar extracted by GNU tar
     * without the whiteout entries. The root gets /usr's metadata (composefs-rs's rule).
     */
    Path expectedTree(String name, List<Layer> layers) throws IOException, InterruptedException {
        Path merged = work.resolve("expected-" + name);
        Files.createDirectories(merged);
        for (Layer l : layers) {
            applyWhiteouts(l.dir(), l.dir(), merged);
            Command.of("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--same-permissions", "--same-owner", "--exclude=.wh.*", "-C", merged.toString(), "-xf", l.tar().toString()).check();
        }
        Command.of("find", merged.toString(), "-exec", "touch", "-h", "-d", "@" + MTIME, "{}", "+").check();
        if (Files.isDirectory(merged.resolve("usr"))) {
            Command.of("chmod", "--reference=" + merged.resolve("usr"), merged.toString()).check();
            Command.of("chown", "--reference=" + merged.resolve("usr"), merged.toString()).check();
        }
        return merged;
    }

    private static void applyWhiteouts(Path layerRoot, Path dir, Path merged) throws IOException, InterruptedException {
        List<Path> children;
        try (var s = Files.list(dir)) {
            children = s.sorted().toList();
        }
        Path target = merged.resolve(layerRoot.relativize(dir).toString());
        for (Path c : children) {
            String n = c.getFileName().toString();
            if (n.equals(".wh..wh..opq")) {
                if (Files.isDirectory(target)) {
                    try (var s = Files.list(target)) {
                        for (Path old : s.toList()) {
                            Command.of("rm", "-rf", old.toString()).check();
                        }
                    }
                }
            } else if (n.startsWith(".wh.")) {
                Command.of("rm", "-rf", target.resolve(n.substring(4)).toString()).check();
            }
        }
        for (Path c : children) {
            if (Files.isDirectory(c, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                applyWhiteouts(layerRoot, c, merged);
            }
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
