package org.cfsj.oci.source;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Parses skopeo-style source names and opens them:
 * {@code docker://host[:port]/repo[:tag|@sha256:…]}, {@code oci:DIR[:tag]},
 * {@code oci-archive:FILE[:tag]}, {@code docker-archive:FILE}.
 */
public final class ImageSources {
    private ImageSources() {}

    /** A parsed source name, before anything is opened. */
    public sealed interface Spec {
        /** The name to store the image under when the user gives none. */
        String defaultName();
    }

    /** {@code text} is the reference as the user wrote it (without {@code docker://}). */
    public record Registry(ImageReference reference, String text) implements Spec {
        @Override
        public String defaultName() {
            return text;
        }
    }

    public record OciDir(Path dir, String tag) implements Spec {
        @Override
        public String defaultName() {
            return tag != null ? tag : dir.toAbsolutePath().normalize().getFileName().toString();
        }
    }

    public record OciArchive(Path file, String tag) implements Spec {
        @Override
        public String defaultName() {
            return tag != null ? tag : stripTar(file.getFileName().toString());
        }
    }

    public record DockerArchive(Path file) implements Spec {
        @Override
        public String defaultName() {
            return stripTar(file.getFileName().toString());
        }
    }

    private static String stripTar(String name) {
        return name.endsWith(".tar") ? name.substring(0, name.length() - 4) : name;
    }

    /** Parses a source name; throws {@link IllegalArgumentException} with a usable message. */
    public static Spec parse(String source) {
        int colon = source.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + source + "' names no transport; use docker://, oci:, oci-archive: or docker-archive:");
        }
        String transport = source.substring(0, colon);
        String rest = source.substring(colon + 1);
        return switch (transport) {
            case "docker" -> {
                if (!rest.startsWith("//") || rest.length() == 2) {
                    throw new IllegalArgumentException("docker sources are docker://HOST/REPO[:TAG|@DIGEST], not '" + source + "'");
                }
                try {
                    yield new Registry(ImageReference.parse(rest.substring(2)), rest.substring(2));
                } catch (InvalidImageReferenceException e) {
                    throw new IllegalArgumentException("invalid image reference '" + rest.substring(2) + "'");
                }
            }
            case "oci" -> {
                String[] pt = pathAndTag(rest, source);
                yield new OciDir(Path.of(pt[0]), pt[1]);
            }
            case "oci-archive" -> {
                String[] pt = pathAndTag(rest, source);
                yield new OciArchive(Path.of(pt[0]), pt[1]);
            }
            case "docker-archive" -> {
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException("docker-archive: needs a file");
                }
                yield new DockerArchive(Path.of(rest));
            }
            default -> throw new IllegalArgumentException("unknown transport '" + transport + "' (use docker, oci, oci-archive or docker-archive)");
        };
    }

    /** skopeo's rule on Linux: the path ends at the first ':'; what follows is the tag. */
    private static String[] pathAndTag(String rest, String source) {
        int colon = rest.indexOf(':');
        String path = colon < 0 ? rest : rest.substring(0, colon);
        String tag = colon < 0 ? null : rest.substring(colon + 1);
        if (path.isEmpty()) {
            throw new IllegalArgumentException("'" + source + "' names no path");
        }
        if (tag != null && tag.isEmpty()) {
            throw new IllegalArgumentException("'" + source + "' has an empty tag");
        }
        return new String[] {path, tag};
    }

    public static ImageSource open(Spec spec, SourceOptions options) throws IOException {
        return switch (spec) {
            case Registry r -> new RegistrySource(r.reference(), options);
            case OciDir d -> OciLayoutSource.directory(d.dir(), d.tag());
            case OciArchive a -> OciLayoutSource.archive(a.file(), a.tag());
            case DockerArchive a -> DockerArchiveSource.open(a.file());
        };
    }

    public static ImageSource open(String source, SourceOptions options) throws IOException {
        return open(parse(source), options);
    }
}
