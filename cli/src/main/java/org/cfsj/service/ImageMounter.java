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
     * What a mount is made from: the composefs (EROFS) image file and the repository it belongs
     * to, as far as mounting needs it.
     *
     * @param image        the composefs image file
     * @param objectsDir   the repository's {@code objects/} directory
     * @param digestLedger the repository's digest ledger (user-space verification's record)
     * @param kernelVerity whether the repository's objects carry kernel fs-verity
     */
    record MountSource(Path image, Path objectsDir, Path digestLedger, boolean kernelVerity) {}

    /**
     * @param source   the image and its repository
     * @param request  what to make; its backend is {@code FUSE} or {@code KERNEL} (the service
     *                 has resolved {@code DEFAULT})
     * @param upperFd  the overlay's upper directory when {@code request.overlay()}, else -1
     * @param workFd   the overlay's work directory when {@code request.overlay()}, else -1
     * @return a detached mount fd, owned by the caller
     */
    int mount(MountSource source, MountRequest request, int upperFd, int workFd) throws IOException;
}
