package org.cfsj.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.maintenance.Fsck;
import org.cfsj.repo.maintenance.GarbageCollector;
import org.cfsj.varlink.InterfaceDescription;
import org.cfsj.varlink.MethodCall;
import org.cfsj.varlink.VarlinkError;
import org.cfsj.varlink.VarlinkInterface;
import org.cfsj.verity.VerityAlgorithm;

/**
 * {@code org.composefs.Repository} ({@link RepositoryIdl}): each method is the call the
 * matching CLI command makes ({@code cfsj init}, {@code fsck}, {@code gc}, {@code images}),
 * with its outcome as cfsctl's reply fields and its failures as cfsctl's errors.
 */
final class RepositoryInterface implements VarlinkInterface {
    static final String NAME = RepositoryIdl.NAME;

    private final ServiceContext context;

    RepositoryInterface(ServiceContext context) {
        this.context = context;
    }

    @Override
    public InterfaceDescription description() {
        return RepositoryIdl.DESCRIPTION;
    }

    @Override
    public void handle(MethodCall call) throws VarlinkError, IOException {
        Params p = new Params(call.parameters());
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        switch (call.method()) {
            case "InitRepository" -> out.put("created", init(call, p) == Created.NEW);
            case "EnsureRepository" -> out.put("status", init(call, p) == Created.NEW ? "Created" : "Opened");
            case "OpenRepository" -> open(call, p, out);
            case "CloseRepository" -> context.handles().close(call.connection(), p.integer("handle"), NAME);
            case "Fsck" -> fsck(repo(call, p), out);
            case "Gc" -> {
                NameRights.checkRemoval(context.policy(), call.connection().peer());
                gc(repo(call, p), p, out);
            }
            case "ImageObjects" -> imageObjects(repo(call, p), p.string("name"), out);
            case "ListImageRefs" -> listImageRefs(repo(call, p), out);
            case "Mount" -> {
                Repository repo = repo(call, p);
                String name = p.string("name");
                MountCall.run(call, p.object("options"), () -> imageFile(repo, name), repo, context.mounter(),
                        ServiceErrors::invalidSpec, NAME);
                return;
            }
            default -> throw VarlinkError.methodNotImplemented(NAME + "." + call.method());
        }
        call.reply(out);
    }

    private Repository repo(MethodCall call, Params p) throws VarlinkError {
        return context.handles().get(call.connection(), p.integer("handle"), NAME);
    }

    private enum Created { NEW, EXISTING }

    /**
     * InitRepository and EnsureRepository: cfsj has no old format, so they differ only in name. The
     * algorithm defaults to cfsj's ({@code fsverity-sha256-12}, not cfsctl's sha512); an existing
     * repository must have the one asked for.
     */
    private Created init(MethodCall call, Params p) throws VarlinkError {
        String algorithm = p.optString("algorithm");
        VerityAlgorithm alg;
        try {
            alg = algorithm == null ? null : VerityAlgorithm.fromRepoName(algorithm);
        } catch (IllegalArgumentException e) {
            throw ServiceErrors.invalidSpec("invalid algorithm: " + e.getMessage());
        }
        if (!context.policy().mayNameAnyPath(call.connection().peer())) { // before the path is even looked at
            throw VarlinkError.permissionDenied();
        }
        Path path = path(p.string("path"));
        boolean existed = Files.exists(path.resolve("meta.json"));
        try (Repository repo = Repository.init(path, alg)) {
            return existed ? Created.EXISTING : Created.NEW;
        } catch (RepositoryException e) {
            if (existed && alg != null) {
                throw ServiceErrors.invalidSpec(e.getMessage()); // a repository of another algorithm
            }
            throw ServiceErrors.internal(NAME, e);
        } catch (IOException e) {
            throw ServiceErrors.internal(NAME, e);
        }
    }

    private void open(MethodCall call, Params p, ObjectNode out) throws VarlinkError {
        Path path = context.policy().repositoryFor(call.connection().peer(), selected(p), context.ownRepository());
        Repository repo;
        try {
            repo = Repository.open(path);
        } catch (IOException | RuntimeException e) {
            throw ServiceErrors.repoNotFound(NAME, e);
        }
        long handle = context.handles().add(call.connection(), repo);
        out.put("handle", handle);
        out.put("hash_algorithm", repo.meta().algorithm().hash().shortName());
        try {
            Object dev = Files.getAttribute(repo.objects().dir(), "unix:dev");
            out.put("objects_device_id", ((Number) dev).longValue());
        } catch (IOException | RuntimeException e) {
            // optional in cfsctl's reply: left out when it cannot be read
        }
    }

    /** cfsctl's selector: exactly one of path, user, system. */
    private Path selected(Params p) throws VarlinkError {
        String path = p.optString("path");
        boolean user = p.bool("user", false);
        boolean system = p.bool("system", false);
        int set = (path != null ? 1 : 0) + (user ? 1 : 0) + (system ? 1 : 0);
        if (set != 1) {
            throw ServiceErrors.invalidSpec("exactly one of `path`, `user`, `system` must be set");
        }
        if (path != null) {
            return path(path);
        }
        if (user && !context.userService()) {
            throw ServiceErrors.invalidSpec("this service runs as root and has no user repository; use system or path");
        }
        return context.ownRepository();
    }

    /** A client's path, absolute (relative to the service's working directory, as cfsctl takes it). */
    private static Path path(String text) throws VarlinkError {
        try {
            return Path.of(text).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw ServiceErrors.invalidSpec("not a path: " + text.replace('\0', '?'));
        }
    }

    private static void fsck(Repository repo, ObjectNode out) throws VarlinkError {
        Fsck.Report r;
        try {
            r = Fsck.run(repo, 0);
        } catch (IOException e) {
            throw ServiceErrors.internal(NAME, e);
        }
        fsckReply(r, out);
    }

    /** cfsctl's FsckReply fields from cfsj's report (also the {@code repo} part of {@code Oci.Check}). */
    static void fsckReply(Fsck.Report r, ObjectNode out) {
        out.put("ok", r.clean());
        out.put("has_metadata", true); // Repository.open refuses a directory without meta.json
        out.put("objects_checked", r.objectsChecked());
        out.put("objects_corrupted", r.corrupt().size());
        out.put("streams_checked", r.streamsChecked());
        out.put("streams_corrupted", r.streamProblems());
        out.put("images_checked", r.imagesChecked());
        out.put("images_corrupted", r.imageProblems());
        out.put("broken_links", r.brokenLinks());
        out.put("missing_objects", r.missing().size());
        r.problems().forEach(out.putArray("errors")::add);
    }

    private static void gc(Repository repo, Params p, ObjectNode out) throws VarlinkError {
        List<String> roots = p.strings("roots");
        if (!roots.isEmpty()) {
            throw ServiceErrors.invalidSpec("cfsj's gc keeps what the repository's refs reach; it takes no extra roots");
        }
        boolean dryRun = p.bool("dry_run", false);
        GarbageCollector.Report r;
        try {
            r = GarbageCollector.run(repo, dryRun);
        } catch (IOException e) {
            throw ServiceErrors.internal(NAME, e);
        }
        ObjectNode result = out.putObject("result");
        result.put("objects_removed", r.objectsRemoved());
        result.put("objects_bytes", r.bytesFreed());
        result.put("images_pruned", r.imageLinksRemoved());
        result.put("streams_pruned", r.streamLinksRemoved());
        out.put("dry_run", dryRun);
    }

    /** An image by id ({@code images/<hex>}) or by ref ({@code refs/PATH} or {@code PATH} under {@code images/refs/}). */
    static ObjectId imageId(Repository repo, String name) throws VarlinkError {
        ObjectId id = ObjectId.parseOrNull(name, repo.objects().algorithm());
        Optional<ObjectId> found;
        try {
            if (id != null) {
                found = Optional.of(id).filter(repo.images()::has);
            } else {
                String ref = name.startsWith("refs/") ? name.substring("refs/".length()) : name;
                found = repo.images().ref(ref).filter(repo.images()::has);
            }
        } catch (IOException | IllegalArgumentException e) {
            // a ref path that is not one (.., empty components) names nothing
            found = Optional.empty();
        }
        return found.orElseThrow(() -> ServiceErrors.noSuchRef(name));
    }

    private static Path imageFile(Repository repo, String name) throws VarlinkError {
        ObjectId id = imageId(repo, name);
        try {
            return repo.objects().verifiedPath(id, "composefs image " + id.hex());
        } catch (IOException e) {
            throw ServiceErrors.internal(NAME, e);
        }
    }

    private static void imageObjects(Repository repo, String name, ObjectNode out) throws VarlinkError {
        Path file = imageFile(repo, name);
        TreeSet<String> ids = new TreeSet<>();
        try (ErofsImage image = ErofsImage.open(file)) {
            VerityAlgorithm alg = repo.objects().algorithm();
            String prefix = alg.hash().shortName() + ":";
            for (String payload : ImageTree.payloads(ImageTree.read(image))) {
                // an object path is xx/<rest of a digest of the repository's algorithm>; anything
                // else in an image names no object of this repository
                String hex = payload.length() > 3 && payload.charAt(2) == '/'
                        ? payload.substring(0, 2) + payload.substring(3) : "";
                if (alg.isLowerHex(hex)) {
                    ids.add(prefix + hex); // cfsctl's object id: "<hash>:<hex>"
                }
            }
        } catch (IOException e) {
            throw ServiceErrors.internal(NAME, e);
        }
        ids.forEach(out.putArray("object_ids")::add);
    }

    private static void listImageRefs(Repository repo, ObjectNode out) throws VarlinkError {
        var images = out.putArray("images");
        try {
            for (String ref : repo.images().listRefs("")) {
                Optional<ObjectId> id = repo.images().ref(ref);
                if (id.isPresent()) {
                    images.addObject().put("name", ref).put("digest", id.get().hex());
                }
            }
        } catch (IOException e) {
            throw ServiceErrors.internal(NAME, e);
        }
    }
}
