package org.cfsj.mount;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.scan.DirectoryScanner;
import org.cfsj.scan.ScanOptions;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.SysException;
import org.cfsj.testsupport.RandomTrees;
import org.cfsj.testsupport.TreeWriter;

/**
 * A random source tree written to disk, the composefs image made of it (as mkcomposefs does:
 * scan with a digest store, write the image) and the object directory; and what a tree looks
 * like, to compare a mount with its source.
 */
record TestImage(Path source, Path image, Path objects) {
    static TestImage build(Path dir, long seed, int entries) throws IOException {
        Path src = dir.resolve("src");
        Path objects = Files.createDirectories(dir.resolve("objects"));
        TreeWriter.write(new RandomTrees(seed, RandomTrees.Profile.ON_DISK).tree(entries), src);
        var root = DirectoryScanner.scan(src, ScanOptions.defaults().withDigestStore(objects));
        Path image = dir.resolve("image.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        return new TestImage(src, image, objects);
    }

    /**
     * Every entry below {@code root} with its type, mode, owner, size, mtime and content digest
     * (or symlink target), by relative path.
     */
    static Map<String, String> listing(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                out.put(root.relativize(dir).toString(), describe(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                out.put(root.relativize(file).toString(), describe(file));
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,rdev", LinkOption.NOFOLLOW_LINKS);
        String what = "";
        if (Files.isSymbolicLink(p)) {
            what = Files.readSymbolicLink(p).toString();
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            what = sha256(Files.readAllBytes(p));
        }
        return Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("uid") + ":" + a.get("gid") + " "
                + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "" : a.get("size")) + " " + a.get("lastModifiedTime")
                + " " + a.get("rdev") + " " + what;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Attaches the detached mount {@code mountFd} at {@code dir} and closes the fd (it would keep the mount busy). */
    static void attach(int mountFd, Path dir) throws SysException {
        try {
            FilesystemContext.moveMount(mountFd, FileCalls.AT_FDCWD, dir.toString());
        } finally {
            FileCalls.close(mountFd);
        }
    }

    /** Detaches whatever is mounted at {@code dir}, if anything (test clean-up). */
    static void detach(Path dir) {
        try {
            MountCalls.umount2(dir.toString(), MountCalls.MNT_DETACH);
        } catch (SysException notMounted) {
            // nothing there
        }
    }
}
