package org.cfsj.it.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.cfsj.verity.FsVerity;

/**
 * Images of tens of thousands of entries, built in memory in seconds (a directory tree on disk of
 * that size takes much longer): a few thousand real objects with their true fs-verity digests,
 * shared by many files as deduplicated layers share them, plus inline files, symlinks, hardlinks,
 * fifos, devices, nested directories and xattrs. Names are ASCII so that shell tools can name
 * them; the odd-name cases are the random on-disk trees' job.
 */
final class LargeImages {
    private LargeImages() {}

    /** The image, its object directory, and what some of its files must read as. */
    record Large(Path image, Path objects, int entries, Map<String, byte[]> contents, Map<String, Map<String, byte[]>> xattrs,
            List<String> paths) {}

    static Large build(Path dir, long seed, int entries, int objectCount) throws IOException {
        Random rnd = new Random(seed);
        Path objects = Files.createDirectories(dir.resolve("objects"));
        List<byte[]> objectContents = new ArrayList<>();
        List<RegularFile> prototypes = new ArrayList<>();
        for (int i = 0; i < objectCount; i++) {
            int size = i % 100 == 0 ? 64 * 1024 + rnd.nextInt(1 << 20) : 65 + rnd.nextInt(16 * 1024);
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            byte[] digest = FsVerity.digest(b);
            String payload = FsVerity.objectPath(digest);
            Path obj = objects.resolve(payload);
            Files.createDirectories(obj.getParent());
            Files.write(obj, b);
            objectContents.add(b);
            prototypes.add(RegularFile.external(meta(rnd, 0644), size, payload, digest));
        }

        Map<String, byte[]> contents = new HashMap<>();
        Map<String, Map<String, byte[]>> xattrs = new HashMap<>();
        List<String> paths = new ArrayList<>();
        List<Node> linkable = new ArrayList<>();
        Directory root = new Directory(meta(rnd, 0755));
        int made = 0;
        int dirs = Math.max(1, entries / 100);
        for (int d = 0; made < entries; d++) {
            Directory dirNode = new Directory(meta(rnd, 0755));
            String dname = String.format("dir%04d", d % dirs) + (d >= dirs ? "-" + d : "");
            root.add(Bytes.of(dname), dirNode);
            paths.add(dname);
            made++;
            for (int i = 0; i < 99 && made < entries; i++, made++) {
                String name = "e" + i + (i % 7 == 0 ? " with space" : "") + (i % 11 == 0 ? ".txt" : "");
                String path = dname + "/" + name;
                Node n;
                int kind = rnd.nextInt(100);
                if (kind < 45) {
                    int o = rnd.nextInt(objectCount);
                    RegularFile p = prototypes.get(o);
                    n = RegularFile.external(meta(rnd, rnd.nextBoolean() ? 0644 : 0755), p.size(), p.payload(), p.digest());
                    contents.put(path, objectContents.get(o));
                } else if (kind < 70) {
                    byte[] c = new byte[rnd.nextInt(65)];
                    rnd.nextBytes(c);
                    n = RegularFile.inline(meta(rnd, 0644), c);
                    contents.put(path, c);
                } else if (kind < 80) {
                    n = new Symlink(meta(rnd, 0777), Bytes.of(rnd.nextBoolean() ? "../dir0000/e1" : "/nonexistent/target/" + i));
                } else if (kind < 85 && !linkable.isEmpty()) {
                    Node target = linkable.get(rnd.nextInt(linkable.size()));
                    dirNode.addHardlink(Bytes.of(name), target);
                    paths.add(path);
                    continue;
                } else if (kind < 92) {
                    Directory sub = new Directory(meta(rnd, 0755));
                    for (int j = 0; j < 3; j++) {
                        byte[] c = Bytes.of("nested " + d + "/" + i + "/" + j + "\n");
                        sub.add(Bytes.of("n" + j), RegularFile.inline(meta(rnd, 0644), c));
                        contents.put(path + "/n" + j, c);
                        paths.add(path + "/n" + j);
                        made++;
                    }
                    n = sub;
                } else if (kind < 96) {
                    n = new Fifo(meta(rnd, 0644));
                } else {
                    n = new Device(meta(rnd, 0600), rnd.nextBoolean(), 1 + rnd.nextInt(1 << 16));
                }
                if (rnd.nextInt(5) == 0 && !(n instanceof Symlink)) {
                    byte[] v = new byte[rnd.nextInt(40)];
                    rnd.nextBytes(v);
                    String xn = n instanceof RegularFile || n instanceof Directory ? "user.test" : "trusted.test";
                    n.setMeta(n.meta().withXattrs(List.of(Xattr.of(xn, v))));
                    xattrs.put(path, Map.of(xn, v));
                }
                dirNode.add(Bytes.of(name), n);
                paths.add(path);
                if (n instanceof RegularFile) {
                    linkable.add(n);
                }
            }
        }
        setLinkCounts(root);
        Path image = dir.resolve("large.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        return new Large(image, objects, made, contents, xattrs, paths);
    }

    /** st_nlink of non-directories = the number of names (the writer computes directories' own). */
    private static void setLinkCounts(Directory root) {
        IdentityHashMap<Node, Integer> names = new IdentityHashMap<>();
        count(root, names);
        names.forEach((n, c) -> {
            if (!(n instanceof Directory)) {
                n.setMeta(n.meta().withNlink(c));
            }
        });
    }

    private static void count(Directory dir, IdentityHashMap<Node, Integer> names) {
        for (Node n : dir.entries().values()) {
            names.merge(n, 1, Integer::sum);
            if (n instanceof Directory d) {
                count(d, names);
            }
        }
    }

    private static Metadata meta(Random rnd, int perm) {
        return new Metadata(perm, rnd.nextInt(3), rnd.nextInt(3), 1_600_000_000L + rnd.nextInt(100_000_000), rnd.nextInt(1_000_000_000), 1,
                List.of());
    }
}
