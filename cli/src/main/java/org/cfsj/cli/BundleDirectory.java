package org.cfsj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.cfsj.posix.PrivateDirectory;
import org.cfsj.sys.Processes;

/**
 * The directory of a bundle that {@code cfsj oci bundle} makes, checked before anything is
 * mounted or written there.
 *
 * <p>Invariants of a prepared bundle: {@code dir} is a real directory that no other user can
 * write to, on a path whose every directory belongs to root or to us and cannot be renamed by
 * anyone else (not writable by others, or sticky), so nobody can put a symlink where cfsj mounts
 * the image or writes {@code config.json}; {@code rootfs} is a real directory in it (not a
 * symlink). {@code reachableByOthers} says whether another user could walk into the mounted
 * root filesystem: false when some directory on the path gives neither its group nor others
 * search permission (that holds with ACLs too: the group bits are then the ACL mask).
 *
 * <p>A missing {@code dir} is created with mode 0700, so by default the container's root is out
 * of other users' reach and may be mounted {@code suid,dev}.
 */
record BundleDirectory(Path dir, Path rootfs, boolean reachableByOthers) {
    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int GROUP_OTHER_SEARCH = 0011;
    private static final int STICKY = 01000;

    /** Creates {@code dir} (0700) if it is missing, checks it as above and creates {@code dir/rootfs} if needed. */
    static BundleDirectory prepare(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
            Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (!Files.isDirectory(abs)) {
            throw new IOException(dir + ": not a directory");
        }
        Path real = abs.toRealPath();
        int euid = Processes.geteuid();
        boolean reachable = true;
        Path walked = real.getRoot();
        for (int i = 0; i <= real.getNameCount(); i++) {
            Path p = i == 0 ? walked : walked.resolve(real.getName(i - 1));
            walked = p;
            int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = PrivateDirectory.mode(p);
            boolean isDir = i == real.getNameCount();
            if (owner != 0 && owner != euid) {
                throw new IOException(dir + ": " + p + " belongs to uid " + owner
                        + ", who could replace what cfsj mounts and writes there; use a directory of your own");
            }
            if ((mode & GROUP_OTHER_WRITE) != 0 && (isDir || (mode & STICKY) == 0)) {
                throw new IOException(dir + ": other users can write to " + p + " (mode " + String.format("%04o", mode)
                        + ") and could put a symlink where cfsj mounts the image or writes config.json; use a directory"
                        + " that only you can write to");
            }
            if ((mode & GROUP_OTHER_SEARCH) == 0) {
                reachable = false;
            }
        }
        Path rootfs = real.resolve("rootfs");
        if (Files.exists(rootfs, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(rootfs + ": not a directory (a symlink or a file is there; remove it)");
            }
        } else {
            Files.createDirectory(rootfs);
        }
        return new BundleDirectory(real, rootfs, reachable);
    }

    /** The one warning for a root filesystem that other users could reach and that is therefore mounted nosuid,nodev. */
    String nosuidWarning() {
        return dir + " can be entered by other users, so " + rootfs + " is mounted nosuid,nodev: setuid programs (su,"
                + " ping, sudo) and device nodes of the image will not work in the container; to have them, make the"
                + " bundle in a directory that only root can enter (chmod 700 " + dir + ", or let cfsj oci bundle create"
                + " the directory)";
    }
}
