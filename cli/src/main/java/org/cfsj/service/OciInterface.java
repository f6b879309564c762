package org.cfsj.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.cfsj.oci.image.ImageBuilder;
import org.cfsj.oci.image.ImageSummary;
import org.cfsj.oci.image.NoSuchImageException;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.maintenance.Fsck;
import org.cfsj.repo.splitstream.SplitStreamReader;
import org.cfsj.varlink.InterfaceDescription;
import org.cfsj.varlink.MethodCall;
import org.cfsj.varlink.VarlinkError;
import org.cfsj.varlink.VarlinkInterface;

/**
 * {@code org.composefs.Oci} ({@link OciIdl}): each method is the call the matching CLI command
 * makes ({@code cfsj oci images}, {@code inspect}, {@code untag}, {@code pull}, {@code mount}),
 * with cfsctl's reply fields and errors. {@code Pull} is {@link OciPull}.
 */
final class OciInterface implements VarlinkInterface {
    static final String NAME = OciIdl.NAME;
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServiceContext context;

    OciInterface(ServiceContext context) {
        this.context = context;
    }

    @Override
    public InterfaceDescription description() {
        return OciIdl.DESCRIPTION;
    }

    @Override
    public void handle(MethodCall call) throws VarlinkError, IOException {
        Params p = new Params(call.parameters());
        Repository repo = context.handles().get(call.connection(), p.integer("handle"), NAME);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        try {
            switch (call.method()) {
                case "ListImages" -> listImages(repo, p.optString("filter"), out);
                case "Check" -> check(repo, p.optString("image"), out);
                case "Inspect" -> inspect(repo, p.string("image"), out);
                case "Tag" -> {
                    NameRights.checkNewName(context.policy().mayNameAnyPath(call.connection().peer()), repo, p.string("name"));
                    tag(repo, p.string("manifest_digest"), p.string("name"));
                }
                case "Untag" -> {
                    NameRights.checkRemoval(context.policy(), call.connection().peer());
                    OciImages.untagAll(repo, p.string("name"));
                }
                case "Pull" -> {
                    OciPull.run(call, p, repo, context.policy().mayNameAnyPath(call.connection().peer()));
                    return;
                }
                case "OciMount" -> {
                    mount(call, p, repo);
                    return;
                }
                default -> throw VarlinkError.methodNotImplemented(NAME + "." + call.method());
            }
        } catch (NoSuchImageException e) {
            throw ServiceErrors.noSuchImage(e.image());
        } catch (IllegalArgumentException e) {
            throw ServiceErrors.invalidRequest(ServiceErrors.oneLine(e));
        } catch (IOException e) {
            throw ServiceErrors.internal(NAME, e);
        }
        call.reply(out);
    }

    private static void listImages(Repository repo, String filter, ObjectNode out) throws IOException {
        ArrayNode images = out.putArray("images");
        for (ImageSummary s : OciImages.list(repo)) {
            if (filter != null && !s.name().contains(filter)) {
                continue;
            }
            OciImage image;
            try {
                image = OciImages.resolve(repo, s.name());
            } catch (IOException e) {
                continue; // damaged since it was listed: the list skips damaged tags too
            }
            JsonNode config = JSON.readTree(image.config());
            ObjectNode e = images.addObject();
            e.put("name", s.name());
            e.put("manifest_digest", s.manifestDigest());
            e.put("is_container", true); // cfsj stores only images whose config has a rootfs
            e.put("architecture", config.path("architecture").asText(""));
            e.put("os", config.path("os").asText(""));
            if (s.created().isEmpty()) {
                e.putNull("created");
            } else {
                e.put("created", s.created());
            }
            e.put("layer_count", JSON.readTree(image.manifest()).path("layers").size());
            e.put("referrer_count", 0); // cfsj does not store referrers
        }
    }

    private static void inspect(Repository repo, String name, ObjectNode out) throws IOException {
        OciImage image = OciImages.resolve(repo, name);
        out.put("manifest", new String(image.manifest(), StandardCharsets.UTF_8));
        out.put("config", new String(image.config(), StandardCharsets.UTF_8));
        out.putArray("referrers");
        if (image.imageId().isPresent()) {
            out.put("composefs_erofs", image.imageId().get().hex());
        } else {
            out.putNull("composefs_erofs");
        }
        out.putNull("composefs_boot_erofs");
    }

    private static void tag(Repository repo, String digest, String name) throws IOException, VarlinkError {
        if (!SHA256.matcher(digest).matches()) {
            throw ServiceErrors.invalidDigest("invalid digest: " + digest + " (expected sha256:<64 hex>)");
        }
        OciImages.tag(repo, name, digest);
    }

    /**
     * cfsj's OCI-level check: the repository's {@link Fsck}, and for each tagged image (or the
     * one named) that its manifest and config read back and every layer its config lists is in
     * the repository.
     */
    private static void check(Repository repo, String only, ObjectNode out) throws IOException {
        List<String> names = new ArrayList<>();
        if (only != null) {
            OciImages.resolve(repo, only); // NoSuchImage for a name that names nothing
            names.add(only);
        } else {
            OciImages.list(repo).forEach(s -> names.add(s.name()));
        }
        Fsck.Report report = Fsck.run(repo, 0);
        List<String> errors = new ArrayList<>();
        int corrupted = 0;
        for (String name : names) {
            String problem = imageProblem(repo, name);
            if (problem != null) {
                corrupted++;
                errors.add(name + ": " + problem);
            }
        }
        out.put("ok", corrupted == 0 && report.clean());
        out.put("images_checked", names.size());
        out.put("images_corrupted", corrupted);
        errors.forEach(out.putArray("errors")::add);
        RepositoryInterface.fsckReply(report, out.putObject("repo"));
    }

    private static String imageProblem(Repository repo, String name) {
        try {
            OciImage image = OciImages.resolve(repo, name);
            SplitStreamReader config = SplitStreamReader.open(repo.objects(), image.configStream());
            for (String diffId : image.diffIds()) {
                ObjectId layer = config.namedRef(diffId).orElse(null);
                if (layer == null || !repo.objects().has(layer)) {
                    return "layer " + diffId + " is not in the repository";
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return ServiceErrors.oneLine(e);
        }
    }

    private void mount(MethodCall call, Params p, Repository repo) throws IOException, VarlinkError {
        if (p.bool("bootable", false)) {
            throw ServiceErrors.invalidRequest("cfsj builds no boot images: bootable must be false");
        }
        String name = p.string("image");
        MountCall.run(call, p.object("options"), () -> ImageBuilder.imageFile(repo, OciImages.resolve(repo, name), name),
                repo, context.mounter(),
                ServiceErrors::invalidRequest, NAME);
    }
}
