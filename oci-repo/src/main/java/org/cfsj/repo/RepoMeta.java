package org.cfsj.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.verity.VerityAlgorithm;

/**
 * {@code meta.json}: the repository format version and digest algorithm (as composefs-rs
 * records them) plus whether objects are protected by kernel fs-verity on this filesystem,
 * which cfsj decides once, at {@code init}, by trying it.
 *
 * @param version      base format version; tools refuse repositories newer than they know
 * <p>The algorithm is recorded as composefs-rs records it: {@code "algorithm":
 * "fsverity-sha256-12"} or {@code "fsverity-sha512-12"} ({@link VerityAlgorithm#repoName()}), so a
 * repository either tool made opens in the other. A file without the field is sha256 (as
 * repositories of older cfsj versions are). {@code features} is written empty, as composefs-rs
 * writes it, and an {@code incompatible} feature (cfsj knows none) is refused; {@code
 * erofs_formats} is not written.
 *
 * @param version      base format version; tools refuse repositories newer than they know
 * @param algorithm    the fs-verity algorithm objects are named by
 * @param kernelVerity whether {@code FS_IOC_ENABLE_VERITY} worked here at init
 */
public record RepoMeta(int version, VerityAlgorithm algorithm, boolean kernelVerity) {
    public static final int CURRENT_VERSION = 1;
    static final String FILE = "meta.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    static RepoMeta read(Path root) throws IOException {
        Path file = root.resolve(FILE);
        JsonNode n;
        try {
            n = JSON.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new RepositoryException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.path("version").canConvertToInt()) {
            throw new RepositoryException(file + ": no format version");
        }
        int version = n.path("version").asInt();
        VerityAlgorithm alg;
        try {
            alg = n.has("algorithm") ? VerityAlgorithm.fromRepoName(n.path("algorithm").asText(""))
                    : VerityAlgorithm.SHA256_12;
        } catch (IllegalArgumentException e) {
            throw new RepositoryException(file + ": " + e.getMessage());
        }
        JsonNode incompatible = n.path("features").path("incompatible");
        if (incompatible.isArray() && !incompatible.isEmpty()) {
            throw new RepositoryException(file + ": repository requires features cfsj does not know: "
                    + abbreviate(incompatible.toString()));
        }
        // A missing flag means a repository written without the probe: assume the safe answer.
        boolean kv = n.path("cfsj").path("kernel-verity").asBoolean(false);
        return new RepoMeta(version, alg, kv);
    }

    void write(Path root) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", version);
        n.put("algorithm", algorithm.repoName());
        // as composefs-rs writes it (its reader takes every field as optional but this one)
        ObjectNode features = n.putObject("features");
        features.putArray("compatible");
        features.putArray("read-only-compatible");
        features.putArray("incompatible");
        n.putObject("cfsj").put("kernel-verity", kernelVerity);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
        Path tmp = Files.createTempFile(root, ".meta", ".tmp");
        Files.write(tmp, bytes);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, root.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
