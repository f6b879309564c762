package org.cfsj.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import org.cfsj.oci.pull.PullOptions;
import org.cfsj.oci.pull.PullResult;
import org.cfsj.oci.pull.PullRequest;
import org.cfsj.oci.source.ImageSources;
import org.cfsj.oci.source.Platform;
import org.cfsj.oci.source.SourceOptions;
import org.cfsj.repo.Repository;
import org.cfsj.varlink.MethodCall;
import org.cfsj.varlink.VarlinkError;

/**
 * {@code org.composefs.Oci.Pull}: the pull {@code cfsj oci pull} makes (the same
 * {@link PullRequest}: source syntax, default name, composefs image built), its progress as {@link PullFrames}
 * when the call has {@code more}, and one last reply whose {@code completed} carries the result.
 *
 * <p>A client that may not name paths ({@link AccessPolicy#mayNameAnyPath}) may pull only from
 * registries: {@code oci:}, {@code oci-archive:} and {@code docker-archive:} would have the
 * service read files the client names with the service's rights. Nor may it use the service's
 * credentials (root's auth files: the pull is anonymous) or turn TLS checks off (its request would
 * go out as root's, on a channel anyone between could read or change).
 */
final class OciPull {
    private OciPull() {}

    static void run(MethodCall call, Params p, Repository repo, boolean mayNamePaths) throws IOException, VarlinkError {
        if (p.bool("bootable", false)) {
            throw ServiceErrors.invalidRequest("cfsj builds no boot images: bootable must be false");
        }
        if (p.optString("expected_digest") != null) {
            throw ServiceErrors.invalidRequest("expected_digest requires bootable");
        }
        ImageSources.Spec where = ImageSources.parse(p.string("image"));
        if (!mayNamePaths && !(where instanceof ImageSources.Registry)) {
            throw VarlinkError.permissionDenied();
        }
        boolean tlsVerify = p.bool("tls_verify", true);
        if (!mayNamePaths && !tlsVerify) {
            throw VarlinkError.permissionDenied();
        }
        String platform = p.optString("platform");
        Platform target = platform == null ? Platform.current() : Platform.parse(platform);
        PullFrames frames = new PullFrames(call);
        SourceOptions options = new SourceOptions(tlsVerify, null, msg -> frames.message("warning: " + msg), !mayNamePaths);
        PullRequest request = new PullRequest(where, p.optString("name"), target, true, PullOptions.DEFAULT_PARALLELISM, options);
        NameRights.checkNewName(mayNamePaths, repo, request.tag());
        PullResult result = request.run(repo, frames);
        OciImage image = OciImages.resolve(repo, result.manifestDigest());
        ObjectNode last = JsonNodeFactory.instance.objectNode();
        ObjectNode done = last.putObject("completed");
        done.put("manifest_digest", result.manifestDigest());
        done.put("config_digest", result.configDigest());
        done.put("manifest_verity", image.manifestStream().hex());
        done.put("config_verity", image.configStream().hex());
        done.put("stats", stats(result));
        done.putNull("boot_image");
        done.putNull("boot_image_mode");
        done.putNull("boot_image_format_version");
        if (result.imageId().isPresent()) {
            done.put("image_id", result.imageId().get().hex());
        } else {
            done.putNull("image_id");
        }
        call.reply(last);
    }

    private static String stats(PullResult r) {
        long objects = r.layers().stream().mapToLong(l -> l.objects()).sum();
        return String.format(Locale.ROOT, "%d layers fetched (%d bytes), %d already present; %d file objects, %d new",
                r.layersFetched(), r.bytesDownloaded(), r.layersSkipped(), objects, objects - r.objectsDeduplicated());
    }
}
