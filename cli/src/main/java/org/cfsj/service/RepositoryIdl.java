package org.cfsj.service;

import static org.cfsj.varlink.VarlinkType.Primitive.BOOL;
import static org.cfsj.varlink.VarlinkType.Primitive.INT;
import static org.cfsj.varlink.VarlinkType.Primitive.STRING;
import static org.cfsj.varlink.VarlinkType.array;
import static org.cfsj.varlink.VarlinkType.field;
import static org.cfsj.varlink.VarlinkType.maybe;
import static org.cfsj.varlink.VarlinkType.struct;

import java.util.List;
import org.cfsj.varlink.InterfaceDescription;
import org.cfsj.varlink.InterfaceDescription.Error;
import org.cfsj.varlink.InterfaceDescription.Method;
import org.cfsj.varlink.InterfaceDescription.TypeDef;
import org.cfsj.varlink.VarlinkType;

/**
 * The IDL of {@code org.composefs.Repository} as cfsj serves it: cfsctl's methods, fields, types
 * and errors (composefs-rs {@code crates/composefs-ctl/src/varlink.rs}), field for field, so a
 * client written for cfsctl works unchanged; cfsj's extras are optional ({@code ?T}) fields a
 * cfsctl client never sends ({@link #MOUNT_PARAMS}).
 */
final class RepositoryIdl {
    static final String NAME = "org.composefs.Repository";

    /** The fields of cfsctl's {@code FsckReply}, shared with {@code org.composefs.Oci}'s {@code Check}. */
    static final VarlinkType.Struct FSCK_REPLY = struct(field("ok", BOOL), field("has_metadata", BOOL),
            field("objects_checked", INT), field("objects_corrupted", INT), field("streams_checked", INT),
            field("streams_corrupted", INT), field("images_checked", INT), field("images_corrupted", INT),
            field("broken_links", INT), field("missing_objects", INT), field("errors", array(STRING)));

    /** cfsctl's {@code MountParams} plus cfsj's backend choices, all optional. */
    static final TypeDef MOUNT_PARAMS = new TypeDef("MountParams",
            "Options for a Mount call. overlay: put a writable overlayfs on top of the image; the call then\n"
                    + "carries two fds, upperdir and workdir, in that order. read_write: mount it read-write.\n"
                    + "cfsj's extras (a client that omits them gets cfsj's defaults): fuse: serve the image with\n"
                    + "cfsj's FUSE server (true) or the kernel's erofs and overlayfs (false); passthrough: let the\n"
                    + "kernel read file data straight from the objects (FUSE only); require_verity: refuse to\n"
                    + "mount unless the objects are protected by kernel fs-verity; insecure: with fuse false, mount\n"
                    + "although they are not (the kernel cannot notice a changed object). Without fuse, cfsj mounts\n"
                    + "with the kernel where the objects have kernel fs-verity and with FUSE otherwise.\n"
                    + "allow_suid_dev (root only): the mount returned honours setuid files and device nodes.",
            struct(field("overlay", maybe(BOOL)), field("read_write", maybe(BOOL)), field("fuse", maybe(BOOL)),
                    field("passthrough", maybe(BOOL)), field("require_verity", maybe(BOOL)),
                    field("insecure", maybe(BOOL)), field("allow_suid_dev", maybe(BOOL))));

    static final VarlinkType.Struct MOUNT_REPLY = struct(field("fd_index", INT));

    private static final VarlinkType.Struct MESSAGE = struct(field("message", STRING));
    private static final VarlinkType.Named MOUNT_PARAMS_TYPE = new VarlinkType.Named("MountParams");

    static final InterfaceDescription DESCRIPTION = new InterfaceDescription(NAME,
            "A composefs repository: open it by path, check it, collect its garbage, list and mount its\n"
                    + "images. Served by cfsj (cfsj serve) with the names of composefs-rs' cfsctl.",
            List.of(new TypeDef("EnsureStatus", "What EnsureRepository did.",
                            new VarlinkType.Enum(List.of("Opened", "Created", "Upgraded"))),
                    new TypeDef("GcResult", "What a garbage collection removed (or would remove).",
                            struct(field("objects_removed", INT), field("objects_bytes", INT), field("images_pruned", INT),
                                    field("streams_pruned", INT))),
                    new TypeDef("ImageRefEntry", "A named reference to an image and the image id it points to.",
                            struct(field("name", STRING), field("digest", STRING))),
                    MOUNT_PARAMS),
            List.of(new Method("InitRepository",
                            "Create a repository at path, or confirm an existing one with the same algorithm.\n"
                                    + "cfsj's default algorithm is fsverity-sha256-12.",
                            struct(field("path", STRING), field("algorithm", maybe(STRING)), field("insecure", maybe(BOOL))),
                            struct(field("created", BOOL))),
                    new Method("EnsureRepository", "Open the repository at path as it is, or create it if there is none.",
                            struct(field("path", STRING), field("algorithm", maybe(STRING)), field("insecure", maybe(BOOL))),
                            struct(field("status", new VarlinkType.Named("EnsureStatus")))),
                    new Method("OpenRepository",
                            "Open a repository and return a handle, valid on this connection until closed.\n"
                                    + "Exactly one of path, user, system must be set.",
                            struct(field("path", maybe(STRING)), field("user", maybe(BOOL)), field("system", maybe(BOOL))),
                            struct(field("handle", INT), field("hash_algorithm", maybe(STRING)),
                                    field("objects_device_id", maybe(INT)))),
                    new Method("CloseRepository", "Close a handle.", struct(field("handle", INT)), struct()),
                    new Method("Fsck", "Check the repository's integrity. cfsj always checks every object's digest.",
                            struct(field("handle", INT), field("metadata_only", maybe(BOOL))), FSCK_REPLY),
                    new Method("Gc", "Remove what no ref reaches (or, with dry_run, say what would go).",
                            struct(field("handle", INT), field("dry_run", BOOL), field("roots", array(STRING))),
                            struct(field("result", new VarlinkType.Named("GcResult")), field("dry_run", BOOL))),
                    new Method("ImageObjects", "The objects an image refers to, sorted.",
                            struct(field("handle", INT), field("name", STRING)), struct(field("object_ids", array(STRING)))),
                    new Method("ListImageRefs", "Every named reference to an image.",
                            struct(field("handle", INT)),
                            struct(field("images", array(new VarlinkType.Named("ImageRefEntry"))))),
                    new Method("Mount",
                            "Mount an image (by id or ref) and return the detached mount, to be attached with\n"
                                    + "move_mount(2), as the fd at fd_index of the reply.",
                            struct(field("handle", INT), field("name", STRING), field("options", MOUNT_PARAMS_TYPE)),
                            MOUNT_REPLY)),
            List.of(new Error("RepoNotFound", "The repository could not be found or opened.", MESSAGE),
                    new Error("InvalidHandle", "The handle does not refer to a repository open on this connection.",
                            struct(field("handle", INT))),
                    new Error("InvalidSpec", "The request's selector, algorithm or options are not valid.", MESSAGE),
                    new Error("NoSuchRef", "The named image or ref does not exist.", struct(field("reference", STRING))),
                    new Error("InternalError", "The request failed for a reason given in message.", MESSAGE)));

    private RepositoryIdl() {}
}
