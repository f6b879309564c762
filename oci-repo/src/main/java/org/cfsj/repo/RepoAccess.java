package org.cfsj.repo;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.Processes;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;

/**
 * Who may enter a repository: its top directory's owner and permission bits, against the user
 * this process runs as.
 *
 * <p>Invariant kept by {@link Repository#init}: the top directory is the caller's and has mode
 * {@code 0700}, set explicitly (never left to the umask). Everything below it (objects 0644 so
 * that a FUSE passthrough or kernel mount opened by the owner can read them, the lock and the
 * digest ledger 0600, streams, images, refs, tmp) is then out of every other user's reach,
 * whatever its own mode: a path walk needs search permission on the top directory. Objects keep
 * 0644 on purpose: the gate is the one directory, so a single {@code chmod} opens or closes it.
 *
 * <p>A repository made by an older cfsj has a 0755 top directory. Opening it does not tighten
 * the mode: commands that only read (images, inspect, mount) should not change the repository,
 * and a group mode an administrator chose deliberately would be undone without a word. Instead
 * every command says so on stderr, {@code init} and {@code fsck} report it, and
 * {@code fsck --repair} sets 0700.
 *
 * <p>A repository owned by another user is refused outright: cfsj (often as root) would
 * otherwise follow, write and delete (gc) paths in a tree that user controls.
 *
 * @param root       the top directory (symlinks followed)
 * @param mode       its permission bits ({@code 07777})
 * @param ownerUid   its owner
 * @param callerUid  the effective uid of this process
 */
public record RepoAccess(Path root, int mode, int ownerUid, int callerUid) {
    /** The top directory's mode: read, write and search for the owner, nothing for anyone else. */
    public static final int PRIVATE_MODE = 0700;
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    /** Reads the top directory's owner and mode. */
    public static RepoAccess of(Path root) throws IOException {
        Stat st = StatCalls.statx(FileCalls.AT_FDCWD, PathNames.bytes(root), 0, root.toString());
        return new RepoAccess(root, st.mode() & 07777, st.uid(), Processes.geteuid());
    }

    public boolean ownedByCaller() {
        return Integer.toUnsignedLong(ownerUid) == Integer.toUnsignedLong(callerUid);
    }

    /** Whether no one but the owner has any permission on the top directory. */
    public boolean isPrivate() {
        return (mode & 077) == 0;
    }

    /** One line for a repository owned by someone else (null if it is the caller's). */
    public String foreignOwner() {
        if (ownedByCaller()) {
            return null;
        }
        return root + ": the repository belongs to uid " + Integer.toUnsignedString(ownerUid) + ", not to you (uid "
                + Integer.toUnsignedString(callerUid) + "); a repository is its owner's alone: use your own --repo,"
                + " or chown -R it to yourself if it is yours";
    }

    /** One line for a top directory other users may enter (null if it is private). */
    public String looseMode() {
        if (isPrivate()) {
            return null;
        }
        return root + " has mode " + octal(mode) + ": other users can read every file of every image in it"
                + " (it should be " + octal(PRIVATE_MODE) + "; 'cfsj fsck --repair' sets it)";
    }

    /** Everything wrong with the top directory, one line each. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (foreignOwner() != null) {
            out.add(foreignOwner());
        }
        if (looseMode() != null) {
            out.add(looseMode());
        }
        return out;
    }

    static String octal(int mode) {
        return String.format("%04o", mode);
    }

    /** Sets the top directory's mode to {@link #PRIVATE_MODE}. */
    static void makePrivate(Path root) throws IOException {
        Files.setPosixFilePermissions(root, PRIVATE);
    }

    /**
     * Creates {@code root} (and missing parents, with the umask's mode: they are not the
     * repository's) with mode 0700: mkdir asks for 0700, so it is never looser even for an
     * instant, and the chmod after it makes it exactly 0700 whatever the umask took away.
     * An existing directory is made 0700 too: it is becoming the repository.
     */
    static void createPrivate(Path root) throws IOException {
        Path parent = root.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(root)) {
                throw new RepositoryException(root + ": exists and is not a directory");
            }
            String foreign = of(root).foreignOwner();
            if (foreign != null) {
                throw new RepositoryException(foreign);
            }
        }
        makePrivate(root);
    }
}
