package org.cfsj.service;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import org.cfsj.sys.Sockets;
import org.cfsj.varlink.Admission;
import org.cfsj.varlink.VarlinkError;

/**
 * Who may use the service and which repositories they may name (the rules are in the package
 * documentation). Admission is decided from the peer credentials the kernel recorded at
 * {@code connect} ({@code SO_PEERCRED}); group membership beyond the peer's primary gid is read
 * from the {@code Groups:} line of {@code /proc/PID/status} (at most {@link #STATUS_LIMIT} bytes),
 * and only if that file still shows the peer's uid as its effective uid, so a pid reused by
 * another user's process after the client exited does not lend it its groups.
 */
public final class AccessPolicy implements Admission {
    static final int STATUS_LIMIT = 64 * 1024;

    private final int serviceUid;
    private final OptionalInt group;
    private final Path proc;

    AccessPolicy(int serviceUid, OptionalInt group, Path proc) {
        this.serviceUid = serviceUid;
        this.group = group;
        this.proc = proc;
    }

    /** The policy of a service running as {@code serviceUid}, opened to group {@code group} if given. */
    public static AccessPolicy of(int serviceUid, OptionalInt group) {
        return new AccessPolicy(serviceUid, group, Path.of("/proc"));
    }

    /** One line for the start-up log: who is admitted. */
    public String describe() {
        if (serviceUid != 0) {
            return "uid " + Integer.toUnsignedString(serviceUid) + " only";
        }
        return "uid 0" + (group.isPresent() ? " and members of gid " + Integer.toUnsignedString(group.getAsInt()) : " only");
    }

    @Override
    public boolean admits(Sockets.PeerCredentials peer) {
        if (serviceUid != 0) {
            return peer.uid() == serviceUid;
        }
        if (peer.uid() == 0) {
            return true;
        }
        if (group.isEmpty()) {
            return false;
        }
        int gid = group.getAsInt();
        return peer.gid() == gid || supplementaryGroups(peer).contains(gid);
    }

    /**
     * Whether {@code peer} may name any repository path: root, or anyone on a user service (who
     * is the service's own user and can reach nothing through it that it could not reach itself).
     */
    boolean mayNameAnyPath(Sockets.PeerCredentials peer) {
        return peer.uid() == 0 || serviceUid != 0;
    }

    /**
     * The repository the service opens when {@code peer} asks for {@code requested}:
     * {@code requested} itself for a peer that may name any path, else the service's own
     * {@code ownRepository} if {@code requested} is it, else {@code PermissionDenied}.
     *
     * <p>A restricted peer's path is only compared, never kept: the service goes on with its own
     * path, so re-pointing a symlink of the client's after the check reaches nothing (the
     * repository would otherwise resolve the client's path again on every later call).
     */
    Path repositoryFor(Sockets.PeerCredentials peer, Path requested, Path ownRepository) throws VarlinkError {
        if (mayNameAnyPath(peer)) {
            return requested;
        }
        if (!sameFile(requested, ownRepository)) {
            throw VarlinkError.permissionDenied();
        }
        return ownRepository;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private Set<Integer> supplementaryGroups(Sockets.PeerCredentials peer) {
        Path status = proc.resolve(Integer.toString(peer.pid())).resolve("status");
        try (FileChannel ch = FileChannel.open(status, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(STATUS_LIMIT);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // /proc files are read in pieces
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
            return groupsOf(text, peer.uid());
        } catch (IOException | RuntimeException e) {
            return Set.of(); // gone or unreadable: no group beyond the primary one
        }
    }

    /**
     * The {@code Groups:} of a {@code /proc/PID/status} text, or none if its {@code Uid:} line
     * does not show {@code uid} as the effective uid (the second of its four fields).
     */
    static Set<Integer> groupsOf(String status, int uid) {
        Set<Integer> groups = new HashSet<>();
        boolean uidMatches = false;
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                String[] f = line.substring(4).trim().split("\\s+");
                uidMatches = f.length >= 2 && f[1].equals(Integer.toUnsignedString(uid));
            } else if (line.startsWith("Groups:")) {
                for (String g : line.substring(7).trim().split("\\s+")) {
                    if (g.matches("[0-9]{1,10}")) {
                        long v = Long.parseLong(g);
                        if (v <= 0xffff_ffffL) {
                            groups.add((int) v);
                        }
                    }
                }
            }
        }
        return uidMatches ? groups : Set.of();
    }
}
