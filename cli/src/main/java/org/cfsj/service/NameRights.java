package org.cfsj.service;

import java.io.IOException;
import org.cfsj.oci.image.OciImages;
import org.cfsj.repo.Repository;
import org.cfsj.sys.Sockets;
import org.cfsj.varlink.VarlinkError;

/**
 * What a {@code --group} member may do to the names of the service's (shared) repository: add
 * names ({@code Tag}, {@code Pull} under a name) that name nothing yet, never move or remove one
 * ({@code Untag}) and never delete content ({@code Gc}). A name root set is what root's own
 * containers start from; if a member could move it to an image of its choosing, root would run
 * that image. Root, and the user of a user service, may do all of it.
 */
final class NameRights {
    private NameRights() {}

    /**
     * Refuses ({@code PermissionDenied}) {@code name} if it already names an image and the peer
     * is a member ({@code unrestricted} false: {@link AccessPolicy#mayNameAnyPath}).
     */
    static void checkNewName(boolean unrestricted, Repository repo, String name) throws VarlinkError, IOException {
        if (!unrestricted && OciImages.list(repo).stream().anyMatch(s -> name.equals(s.name()))) {
            throw VarlinkError.permissionDenied();
        }
    }

    /** Refuses ({@code PermissionDenied}) removals (untag, gc) to a member. */
    static void checkRemoval(AccessPolicy policy, Sockets.PeerCredentials peer) throws VarlinkError {
        if (!policy.mayNameAnyPath(peer)) {
            throw VarlinkError.permissionDenied();
        }
    }
}
