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
 * The IDL of {@code org.composefs.Oci} as cfsj serves it: the methods cfsj shares with cfsctl
 * (composefs-rs {@code crates/composefs-ctl/src/varlink.rs}, module {@code oci}), with cfsctl's
 * fields, types and errors; cfsj's extras are optional fields. cfsctl's layer-sync methods
 * (GetLayer, PutLayer, ...) and ComputeId are not served: a client calling them gets
 * {@code MethodNotFound}.
 */
final class OciIdl {
    static final String NAME = "org.composefs.Oci";

    private static final VarlinkType.Struct MESSAGE = struct(field("message", STRING));

    private static VarlinkType named(String name) {
        return new VarlinkType.Named(name);
    }

    static final InterfaceDescription DESCRIPTION = new InterfaceDescription(NAME,
            "OCI images in a composefs repository: pull, list, inspect, tag, check and mount them.\n"
                    + "Served by cfsj (cfsj serve) with the names of composefs-rs' cfsctl.",
            List.of(new TypeDef("ImageEntry", "A tagged image.",
                            struct(field("name", STRING), field("manifest_digest", STRING), field("is_container", BOOL),
                                    field("architecture", STRING), field("os", STRING), field("created", maybe(STRING)),
                                    field("layer_count", INT), field("referrer_count", INT))),
                    new TypeDef("FsckReply", "The repository-level part of a Check.", RepositoryIdl.FSCK_REPLY),
                    new TypeDef("ProgressUnit", "Unit of Started and Progress counters.",
                            new VarlinkType.Enum(List.of("Bytes", "Items"))),
                    new TypeDef("Started", "A layer started downloading.",
                            struct(field("id", STRING), field("total", maybe(INT)), field("unit", named("ProgressUnit")))),
                    new TypeDef("Progress", "Bytes of a layer received so far.",
                            struct(field("id", STRING), field("fetched", INT), field("total", maybe(INT)))),
                    new TypeDef("Skipped", "A layer already in the repository.", struct(field("id", STRING))),
                    new TypeDef("Done", "A layer finished.", struct(field("id", STRING), field("transferred", INT))),
                    new TypeDef("Completed",
                            "The pull's result. image_id (cfsj): the composefs image built from it, if one was.",
                            struct(field("manifest_digest", STRING), field("config_digest", STRING),
                                    field("manifest_verity", STRING), field("config_verity", STRING), field("stats", STRING),
                                    field("boot_image", maybe(STRING)), field("boot_image_mode", maybe(STRING)),
                                    field("boot_image_format_version", maybe(STRING)), field("image_id", maybe(STRING)))),
                    RepositoryIdl.MOUNT_PARAMS),
            List.of(new Method("ListImages", "Tagged images; with filter, those whose name contains it.",
                            struct(field("handle", INT), field("filter", maybe(STRING))),
                            struct(field("images", array(named("ImageEntry"))))),
                    new Method("Check", "Check every tagged image (or the one named) and the repository under them.",
                            struct(field("handle", INT), field("image", maybe(STRING))),
                            struct(field("ok", BOOL), field("images_checked", INT), field("images_corrupted", INT),
                                    field("errors", array(STRING)), field("repo", named("FsckReply")))),
                    new Method("Inspect", "The stored manifest and config of an image (by name or sha256: digest).",
                            struct(field("handle", INT), field("image", STRING)),
                            struct(field("manifest", STRING), field("config", STRING), field("referrers", array(STRING)),
                                    field("composefs_erofs", maybe(STRING)), field("composefs_boot_erofs", maybe(STRING)))),
                    new Method("Tag", "Name a stored manifest.",
                            struct(field("handle", INT), field("manifest_digest", STRING), field("name", STRING)), struct()),
                    new Method("Untag", "Remove a name (a sha256: manifest digest removes every name of it).",
                            struct(field("handle", INT), field("name", STRING)), struct()),
                    new Method("Pull",
                            "Pull an image (docker://, oci:, oci-archive:, docker-archive:) and build its composefs\n"
                                    + "image. With more: started, progress, skipped, done and message frames, then one\n"
                                    + "completed frame. name: the tag (default: the source's name). cfsj's extras:\n"
                                    + "tls_verify (default true; loopback registries may speak plain HTTP) and platform\n"
                                    + "(OS/ARCH[/VARIANT], default this machine's). local_fetch and storage_root are\n"
                                    + "accepted for cfsctl's clients and not used; bootable must be false.",
                            struct(field("handle", INT), field("image", STRING), field("name", maybe(STRING)),
                                    field("local_fetch", STRING), field("storage_root", maybe(STRING)),
                                    field("bootable", BOOL), field("expected_digest", maybe(STRING)),
                                    field("tls_verify", maybe(BOOL)), field("platform", maybe(STRING))),
                            struct(field("started", maybe(named("Started"))), field("progress", maybe(named("Progress"))),
                                    field("skipped", maybe(named("Skipped"))), field("done", maybe(named("Done"))),
                                    field("message", maybe(STRING)), field("completed", maybe(named("Completed"))))),
                    new Method("OciMount",
                            "Mount an image (by name or sha256: manifest digest) and return the detached mount,\n"
                                    + "to be attached with move_mount(2), as the fd at fd_index. bootable must be false.",
                            struct(field("handle", INT), field("image", STRING), field("bootable", BOOL),
                                    field("options", named("MountParams"))),
                            RepositoryIdl.MOUNT_REPLY)),
            List.of(new Error("RepoNotFound", "The repository could not be found or opened.", MESSAGE),
                    new Error("InvalidHandle", "The handle does not refer to a repository open on this connection.",
                            struct(field("handle", INT))),
                    new Error("NoSuchImage", "No image has this name or digest.", struct(field("image", STRING))),
                    new Error("InternalError", "The request failed for a reason given in message.", MESSAGE),
                    new Error("InvalidDigest", "A digest is malformed.", MESSAGE),
                    new Error("InvalidRequest", "The request cannot be served as asked (message says why).", MESSAGE)));

    private OciIdl() {}
}
