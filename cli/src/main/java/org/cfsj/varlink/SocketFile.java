package org.cfsj.varlink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.cfsj.sys.Processes;

/**
 * The socket file a {@link VarlinkServer} bound, known by device and inode, so that shutting
 * down removes that socket and never whatever another process has since put at its path.
 *
 * <p>Its directory must belong to the service's user and be writable by nobody else: otherwise
 * another user could swap the socket for one of their own, or delete it.
 */
record SocketFile(long dev, long ino) {

    /** Refuses (one-line {@link IOException}) a socket path whose directory others could change. */
    static void requireSafeParent(Path socket) throws IOException {
        Path dir = socket.getParent();
        Map<String, Object> a = Files.readAttributes(dir, "unix:uid,mode");
        int uid = (Integer) a.get("uid");
        int mode = (Integer) a.get("mode");
        if (uid != Processes.geteuid()) {
            throw new IOException("socket directory " + dir + " belongs to uid " + uid + ", not to the service's uid "
                    + Processes.geteuid());
        }
        if ((mode & 022) != 0) {
            throw new IOException("socket directory " + dir + " is writable by other users (mode "
                    + Integer.toOctalString(mode & 07777) + ")");
        }
    }

    /** The identity of the socket file at {@code path}. */
    static SocketFile identify(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
        return new SocketFile((Long) a.get("dev"), (Long) a.get("ino"));
    }

    /** Deletes {@code path} if it still is this socket; leaves anything else there alone. */
    void removeIfStillAt(Path path) throws IOException {
        try {
            if (identify(path).equals(this)) {
                Files.deleteIfExists(path);
            }
        } catch (NoSuchFileException e) {
            // already gone
        }
    }
}
