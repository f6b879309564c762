package org.cfsj.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.repo.RepositoryException;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.SysException;
import org.cfsj.varlink.VarlinkClient;
import org.cfsj.varlink.VarlinkError;

/**
 * The commands' way to a running {@code cfsj serve}: when its socket ({@code $CFSJ_SOCKET}, else
 * the default) answers, mounts come from it (one warm JVM, one FUSE server per image shared by
 * every mount of it); when nothing answers, the command serves in its own process as it always
 * did. A service that answers but refuses a call is an error, not a reason to fall back: the user
 * would otherwise get a mount unlike the one asked for.
 */
final class ServiceClient implements AutoCloseable {
    private final VarlinkClient client;
    /** The repository handle of this connection, once opened (one repository per command). */
    private long handle = -1;

    private ServiceClient(VarlinkClient client) {
        this.client = client;
    }

    /**
     * The service on the default socket, or empty when no socket is there, nothing listens on it,
     * or this command does not run as root: the service's mounts are root's to ask for (and a
     * user's own service cannot make them).
     */
    static Optional<ServiceClient> connect() throws IOException {
        if (!EffectiveUser.isRoot()) {
            return Optional.empty();
        }
        Path socket = VarlinkCommand.Call.defaultSocket();
        try {
            return Optional.of(new ServiceClient(VarlinkClient.connect(socket)));
        } catch (SysException e) {
            return Optional.empty(); // ENOENT, ECONNREFUSED: no service
        }
    }

    /** {@code OciMount}'s options (cfsctl's {@code MountParams} with cfsj's extras) as the commands ask for them. */
    static ObjectNode mountOptions(boolean fuse, boolean passthrough, boolean insecure, boolean allowSuidDev) {
        return JsonNodeFactory.instance.objectNode().put("fuse", fuse).put("passthrough", passthrough)
                .put("insecure", insecure).put("allow_suid_dev", allowSuidDev);
    }

    /**
     * Has the service mount image {@code name} of the repository {@code repo} and attaches the
     * detached mount it returns at {@code mountpoint} (already checked by the caller);
     * {@code fds} go with the call (an overlay's upper and work directories).
     *
     * @param options cfsctl's {@code MountParams} with cfsj's extras
     */
    void ociMount(Path repo, String name, ObjectNode options, Path mountpoint, int... fds) throws IOException {
        int fd = ociMountFd(repo, name, options, fds);
        try {
            FilesystemContext.moveMount(fd, FileCalls.AT_FDCWD, mountpoint.toString());
        } finally {
            FileCalls.close(fd);
        }
    }

    /**
     * The detached mount of image {@code name} the service made (owned by the caller), with
     * {@code fds} (an overlay's upper and work directories) sent along.
     */
    int ociMountFd(Path repo, String name, ObjectNode options, int... fds) throws IOException {
        if (handle < 0) {
            ObjectNode open = JsonNodeFactory.instance.objectNode().put("path", repo.toAbsolutePath().toString());
            handle = call("org.composefs.Repository.OpenRepository", open).parameters().path("handle").asLong();
        }
        ObjectNode mount = JsonNodeFactory.instance.objectNode().put("handle", handle).put("image", name).put("bootable", false);
        mount.set("options", options);
        VarlinkClient.Reply reply = call("org.composefs.Oci.OciMount", mount, fds);
        int index = reply.parameters().path("fd_index").asInt(-1);
        for (int i = 0; i < reply.fds().length; i++) {
            if (i != index) {
                FileCalls.close(reply.fds()[i]);
            }
        }
        if (index < 0 || index >= reply.fds().length) {
            throw new IOException("cfsj serve answered OciMount without the mount (fd_index " + index + " of "
                    + reply.fds().length + " fds)");
        }
        return reply.fds()[index];
    }

    private VarlinkClient.Reply call(String method, ObjectNode parameters, int... fds) throws IOException {
        try {
            return client.call(method, parameters, fds);
        } catch (VarlinkError e) {
            throw new RepositoryException(describe(e));
        }
    }

    /** A service error as one line: its message parameter when it has one. */
    static String describe(VarlinkError e) {
        String name = e.error().substring(e.error().lastIndexOf('.') + 1);
        ObjectNode p = e.parameters();
        if (name.equals("NoSuchImage")) {
            return "no image named " + p.path("image").asText();
        }
        if (p != null && p.hasNonNull("message")) {
            return p.get("message").asText();
        }
        return "cfsj serve refused: " + name + (p == null || p.isEmpty() ? "" : " " + p);
    }

    @Override
    public void close() {
        client.close();
    }
}
