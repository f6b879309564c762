package org.cfsj.service;

import java.nio.file.Path;

/**
 * What both interfaces of one service share.
 *
 * @param handles        the repositories clients have open
 * @param policy         who may use the service and name which repositories
 * @param ownRepository  the service's repository ({@code --repo}, {@code $CFSJ_REPO} or the
 *                       default location): what {@code system} (and, on a user service,
 *                       {@code user}) selects
 * @param userService    whether the service runs as a user other than root
 * @param mounter        makes the detached mounts of {@code Mount} and {@code OciMount}
 */
record ServiceContext(RepositoryHandles handles, AccessPolicy policy, Path ownRepository, boolean userService,
        ImageMounter mounter) {
    ServiceContext(AccessPolicy policy, Path ownRepository, boolean userService, ImageMounter mounter) {
        this(new RepositoryHandles(), policy, ownRepository.toAbsolutePath(), userService, mounter);
    }
}
