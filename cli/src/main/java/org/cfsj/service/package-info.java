/**
 * The varlink service of {@code cfsj serve}: {@code org.composefs.Repository} and
 * {@code org.composefs.Oci} with composefs-rs' cfsctl names ({@link org.cfsj.service.RepositoryIdl},
 * {@link org.cfsj.service.OciIdl}), each method glue onto the same oci-repo calls the CLI commands
 * make, on the protocol of {@link org.cfsj.varlink}.
 *
 * <p>Owns: the interfaces' IDL, their methods, repository handles, the access policy and the
 * {@link org.cfsj.service.ImageMounter} seam through which {@code Mount}/{@code OciMount} get
 * their detached mounts. Does not own: the protocol (org.cfsj.varlink), the socket and process
 * life ({@code cfsj serve} in org.cfsj.cli), nor how a mount is made (org.cfsj.mount).
 *
 * <p>Errors: every failure is a varlink error named as cfsctl names it ({@code RepoNotFound},
 * {@code InvalidHandle}, {@code InvalidSpec}, {@code NoSuchRef}, {@code InternalError};
 * {@code NoSuchImage}, {@code InvalidDigest}, {@code InvalidRequest}) with a one-line message;
 * never a stack trace, never a stopped service.
 *
 * <p>Access policy ({@link org.cfsj.service.AccessPolicy}), decided per connection from its
 * {@code SO_PEERCRED} credentials when it is accepted:
 * <ul>
 *   <li>A root service admits uid 0 and, with {@code --group G}, processes whose primary gid or
 *       supplementary groups ({@code /proc/PID/status}) include G. A user service admits its own
 *       uid only. Anyone else gets {@code org.varlink.service.PermissionDenied} for its first
 *       call and the connection is closed.</li>
 *   <li>Root clients, and every client of a user service (the service's own user, who gains no
 *       rights through it), may name any repository path and any pull source.</li>
 *   <li>A non-root client of a root service (admitted through {@code --group}) may use only the
 *       service's own repository ({@code system: true}, or a path that is that same directory);
 *       any other path, {@code InitRepository} and {@code EnsureRepository} are
 *       {@code PermissionDenied}, and it may pull only from registries ({@code docker://}), not
 *       from files or directories ({@code oci:}, {@code oci-archive:}, {@code docker-archive:}).
 *       So no such client makes root follow a path it chose: the simplest rule that keeps the
 *       group's use (pull, list, mount images of the system repository) and gives it nothing it
 *       could not reach itself (the path is only compared; the service then opens its own
 *       path, never the client's). Repositories of other users are refused anyway by
 *       {@code Repository.open} (a repository is its owner's alone).</li>
 *   <li>Such a member pulls anonymously (never with the service's stored credentials) and never
 *       with {@code tls_verify: false}; it may add names (Tag, Pull) that name nothing yet, but
 *       not move or remove names or delete content (Untag, Gc): a name root set is what root's
 *       containers start from ({@link org.cfsj.service.NameRights}). {@code Mount} and
 *       {@code OciMount} are root's: a detached mount is its holder's to change (in a namespace
 *       of its own a member could clear {@code nosuid,nodev} and open an image's device nodes as
 *       host devices), and an overlay writes its upper directory with root's rights.</li>
 * </ul>
 */
package org.cfsj.service;
