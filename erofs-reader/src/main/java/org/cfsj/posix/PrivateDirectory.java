package org.cfsj.posix;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.cfsj.sys.Processes;

/**
 * A directory that only this process's effective user can enter, for files that other users
 * must not reach or plant things at by name (a background server's log, the temporary mount
 * point of a kernel mount).
 *
 * <p>Invariant of every path {@link #ensure} returns: a real directory (not a symlink) owned by
 * the effective user, mode {@code 0700}, whose parent no other user can write to (or a sticky
 * one), so nobody else can rename it away and put something of theirs in its place. What is
 * created under it by name is therefore out of other users' reach, whatever the name.
 */
public final class PrivateDirectory {
    private static final int MODE_MASK = 07777;
    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;

    private PrivateDirectory() {}

    /**
     * cfsj's runtime directory for this user: {@code /run/cfsj} for root; otherwise
     * {@code $XDG_RUNTIME_DIR/cfsj}, or {@code $XDG_STATE_HOME/cfsj} (default
     * {@code ~/.local/state/cfsj}) where there is no runtime directory. Root never takes the
     * {@code XDG_*} variables: under su they name another user's directory.
     */
    public static Path runtimeDirectory() throws IOException {
        return ensure(runtimeDirectoryPath(Processes.geteuid(), System.getenv(), System.getProperty("user.home")));
    }

    /** Where {@link #runtimeDirectory()} lives, without creating it. */
    static Path runtimeDirectoryPath(int euid, Map<String, String> env, String home) {
        if (euid == 0) {
            return Path.of("/run/cfsj");
        }
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && runtime.startsWith("/")) {
            return Path.of(runtime, "cfsj");
        }
        String state = env.get("XDG_STATE_HOME");
        if (state != null && state.startsWith("/")) {
            return Path.of(state, "cfsj");
        }
        return Path.of(home, ".local", "state", "cfsj");
    }

    /**
     * Creates {@code dir} with mode 0700 if it is missing (its parent too, if that is missing),
     * tightens its mode to 0700 if it is ours but looser, and refuses it if it is a symlink, not
     * a directory, owned by another user, or in a parent that others can write to.
     *
     * @return {@code dir} with its parent resolved to a real path
     */
    public static Path ensure(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path parentPath = abs.getParent();
        if (parentPath == null || abs.getFileName() == null) {
            throw new IOException(dir + ": cannot be a private directory (it is /)");
        }
        Files.createDirectories(parentPath);
        Path parent = parentPath.toRealPath();
        int parentMode = mode(parent);
        if ((parentMode & GROUP_OTHER_WRITE) != 0 && (parentMode & STICKY) == 0) {
            throw new IOException(parent + ": other users can write to it (mode " + octal(parentMode)
                    + "), so " + abs.getFileName() + " in it cannot be kept private");
        }
        Path target = parent.resolve(abs.getFileName());
        try {
            Files.createDirectory(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException exists) {
            // checked below like one we made
        }
        if (Files.isSymbolicLink(target) || !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(target + ": not a directory (a symlink or another file is in the place of cfsj's private"
                    + " directory; remove it)");
        }
        int owner = (Integer) Files.getAttribute(target, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int euid = Processes.geteuid();
        if (owner != euid) {
            throw new IOException(target + ": owned by uid " + owner + ", not by this user (uid " + euid
                    + "), so it is not private; remove it");
        }
        if ((mode(target) & 0077) != 0) {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        }
        return target;
    }

    /** The permission bits of {@code p} (not following a final symlink). */
    public static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & MODE_MASK;
    }

    private static String octal(int mode) {
        return String.format("%04o", mode);
    }
}
