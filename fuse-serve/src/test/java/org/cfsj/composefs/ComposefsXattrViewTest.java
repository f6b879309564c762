package org.cfsj.composefs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.fuse.FuseDevice;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.mount.KernelComposefsMount;
import org.cfsj.mount.MountOptions;
import org.cfsj.sys.Processes;
import org.cfsj.sys.Xattrs;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FUSE view's xattrs are the kernel composefs mount's, byte for byte: what listxattr names (the
 * length asked first, then the names) and what getxattr gives for each name and for the overlayfs
 * probes an overlay stacked on the mount sends ({@code trusted.overlay.opaque}, {@code redirect},
 * {@code metacopy}, {@code origin}, ...), on files without xattrs, with user xattrs, with an own
 * (escaped) overlay xattr, on external files (whose redirect and metacopy are hidden), directories
 * and symlinks, with and without passthrough.
 */
class ComposefsXattrViewTest {
    private static final List<String> PROBES = List.of("trusted.overlay.opaque", "trusted.overlay.redirect",
            "trusted.overlay.metacopy", "trusted.overlay.origin", "trusted.overlay.upper", "trusted.overlay.impure",
            "trusted.overlay.nlink", "trusted.overlay.whiteout", "trusted.overlay.custom", "user.color", "user.nope",
            "security.capability");
    private static final String ABSENT = "<ENODATA>";

    @TempDir
    Path tmp;

    @Test
    void fuseXattrsAreTheKernelComposefsMountsWithAndWithoutPassthrough() throws Exception {
        Assumptions.assumeTrue(Files.exists(FuseDevice.PATH), "SKIPPED: /dev/fuse is missing, cannot test real mounts");
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: real FUSE and kernel mounts in tests need root");
        String fs = Files.readString(Path.of("/proc/filesystems"));
        Assumptions.assumeTrue(fs.contains("\terofs\n") && fs.contains("\toverlay\n"),
                "SKIPPED: the kernel has no EROFS or overlayfs: no kernel composefs view to compare with");
        Path objects = Files.createDirectory(tmp.resolve("objects"));
        Directory root = new Directory(meta(0755, List.of(new Xattr(Bytes.of("user.root"), Bytes.of("r")))));
        root.add(Bytes.of("plain.txt"), RegularFile.inline(meta(0644, List.of()), Bytes.of("no xattrs\n")));
        root.add(Bytes.of("user.txt"), RegularFile.inline(meta(0644, List.of(
                new Xattr(Bytes.of("user.color"), Bytes.of("blue")),
                new Xattr(Bytes.of("user.empty"), new byte[0]),
                new Xattr(Bytes.of("trusted.overlay.custom"), Bytes.of("kept")))), Bytes.of("some\n")));
        byte[] content = new byte[100_000];
        new java.util.Random(3).nextBytes(content);
        byte[] digest = FsVerity.digest(content);
        Path object = objects.resolve(FsVerity.objectPath(digest));
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        root.add(Bytes.of("external.bin"), RegularFile.external(meta(0644, List.of()), content.length,
                FsVerity.objectPath(digest), digest));
        root.add(Bytes.of("external-user.bin"), RegularFile.external(meta(0644, List.of(
                new Xattr(Bytes.of("user.color"), Bytes.of("red")))), content.length, FsVerity.objectPath(digest), digest));
        Directory dir = new Directory(meta(0755, List.of(new Xattr(Bytes.of("trusted.overlay.opaque"), Bytes.of("y")))));
        dir.add(Bytes.of("link"), new Symlink(meta(0777, List.of(new Xattr(Bytes.of("trusted.mark"), Bytes.of("1")))),
                Bytes.of("../plain.txt")));
        root.add(Bytes.of("dir"), dir);
        root.add(Bytes.of("empty"), new Directory(meta(0700, List.of())));
        Path image = tmp.resolve("image.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        List<String> paths = List.of("", "plain.txt", "user.txt", "external.bin", "external-user.bin", "dir", "dir/link",
                "empty");

        Path kmnt = Files.createDirectory(tmp.resolve("kernel"));
        Map<String, Map<String, String>> kernel;
        try (KernelComposefsMount k = KernelComposefsMount.mount(image, objects, kmnt, MountOptions.builder().build())) {
            kernel = view(kmnt, paths);
        }
        // the reference itself: the file's own xattrs, unescaped; composefs's own hidden
        assertEquals(List.of("trusted.overlay.custom", "user.color", "user.empty"),
                List.of(kernel.get("user.txt").get("[list]").split(",")).stream().sorted().toList());
        assertEquals("6b657074", kernel.get("user.txt").get("trusted.overlay.custom"));
        assertEquals("", kernel.get("external.bin").get("[list]"));
        assertEquals(ABSENT, kernel.get("external.bin").get("trusted.overlay.redirect"));
        for (boolean passthrough : new boolean[] {false, true}) {
            Path fmnt = Files.createDirectory(tmp.resolve("fuse-" + passthrough));
            try (ComposefsServer server = ComposefsServer.start(image, objects, fmnt,
                    MountOptions.builder().threads(2).passthrough(passthrough).quiet(true).build())) {
                assertEquals(kernel, view(fmnt, paths), "passthrough " + passthrough);
                assertEquals(kernel, view(fmnt, paths), "passthrough " + passthrough + ", asked again");
                assertEquals(0, server.stats().eio());
            }
        }
    }

    private static Metadata meta(int perms, List<Xattr> xattrs) {
        return new Metadata(perms, 0, 0, 1_700_000_000L, 0, 1, xattrs);
    }

    /** Per path: "[list]" (the names in order) and each name's value or probe's answer, in hex. */
    private static Map<String, Map<String, String>> view(Path mnt, List<String> paths) throws IOException {
        Map<String, Map<String, String>> all = new TreeMap<>();
        for (String p : paths) {
            byte[] path = Bytes.of(p.isEmpty() ? mnt.toString() : mnt.resolve(p).toString());
            Map<String, String> m = new TreeMap<>();
            List<String> names = new ArrayList<>();
            for (byte[] n : Xattrs.list(path, p)) {
                names.add(Bytes.str(n));
            }
            m.put("[list]", String.join(",", names));
            List<String> asked = new ArrayList<>(names);
            asked.addAll(PROBES);
            for (String n : asked) {
                byte[] v = Xattrs.get(path, Bytes.of(n), p);
                m.put(n, v == null ? ABSENT : HexFormat.of().formatHex(v));
            }
            all.put(p, m);
        }
        return all;
    }
}
