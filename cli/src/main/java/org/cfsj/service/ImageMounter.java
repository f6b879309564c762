package org.cfsj.service;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Makes the detached mount a {@code Mount} or {@code OciMount} call returns: the service resolves
 * the image (its composefs image file, checked against its name, and the repository's object
 * directory) and hands the rest to this.
 *
 * <p>The fds given stay the caller's (they are closed when the call ends): an implementation
 * that needs them longer duplicates them. The fd returned is a detached mount
 * ({@code fsmount}/{@code open_tree} with {@code OPEN_TREE_CLONE}) the caller owns and the service
 * sends to the client, which attaches it with {@code move_mount}. A failure is an
 * {@link IOException} whose message the client sees as {@code InternalError}.
 */
@FunctionalInterface
public interface ImageMounter {
    /**
     * @param image      the composefs (EROFS) image file
     * @param objectsDir the repository's {@code objects/} directory
     * @param request    what to make
     * @param upperFd    the overlay's upper directory when {@code request.overlay()}, else -1
     * @param workFd     the overlay's work directory when {@code request.overlay()}, else -1
     * @return a detached mount fd, owned by the caller
     */
    int mount(Path image, Path objectsDir, MountRequest request, int upperFd, int workFd) throws IOException;
}
