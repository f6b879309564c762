package org.cfsj.oci.source;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.CredentialRetriever;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds registry credentials the way skopeo and podman do, reading the files with jib-core's
 * retrievers (which also run the {@code credHelpers} / {@code credsStore} helpers a file names):
 * {@code --authfile}, else {@code $REGISTRY_AUTH_FILE}, {@code $XDG_RUNTIME_DIR/containers/auth.json},
 * {@code ~/.config/containers/auth.json}, {@code ~/.docker/config.json}. containers-auth.json
 * has the same {@code auths} shape as Docker's config, so one parser reads both.
 */
final class RegistryCredentials {
    private RegistryCredentials() {}

    static List<Path> searchPath(Path authFile) {
        if (authFile != null) {
            return List.of(authFile);
        }
        List<Path> paths = new ArrayList<>();
        String env = System.getenv("REGISTRY_AUTH_FILE");
        if (env != null && !env.isEmpty()) {
            paths.add(Path.of(env));
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty()) {
            paths.add(Path.of(runtime, "containers", "auth.json"));
        }
        String home = System.getProperty("user.home");
        paths.add(Path.of(home, ".config", "containers", "auth.json"));
        String dockerConfig = System.getenv("DOCKER_CONFIG");
        paths.add(dockerConfig != null && !dockerConfig.isEmpty()
                ? Path.of(dockerConfig, "config.json")
                : Path.of(home, ".docker", "config.json"));
        return paths;
    }

    /** The first credential any file (or helper it names) has for the reference's registry. */
    static Optional<Credential> find(ImageReference reference, Path authFile) throws IOException {
        if (authFile != null && !Files.isReadable(authFile)) {
            throw new NoSuchFileException(authFile + " (--authfile)");
        }
        CredentialRetrieverFactory factory = CredentialRetrieverFactory.forImage(reference, event -> {});
        for (Path p : searchPath(authFile)) {
            if (!Files.isRegularFile(p)) {
                continue;
            }
            CredentialRetriever retriever = factory.dockerConfig(p);
            try {
                Optional<Credential> c = retriever.retrieve();
                if (c.isPresent()) {
                    return c;
                }
            } catch (CredentialRetrievalException e) {
                throw new IOException("reading credentials for " + reference.getRegistry() + " from " + p + ": " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }
}
