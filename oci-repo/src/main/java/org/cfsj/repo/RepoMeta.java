package org.cfsj.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code meta.json}: the repository format version and digest algorithm (as composefs-rs
 * records them) plus whether objects are protected by kernel fs-verity on this filesystem,
 * which cfsj decides once, at {@code init}, by trying it.
 *
 * @param version      base format version; tools refuse repositories newer than they know
 * @param algorithm    {@code fsverity-<hash>-<lg blocksize>}; cfsj supports fsverity-sha256-12
 * @param kernelVerity whether {@code FS_IOC_ENABLE_VERITY} worked here at init
 */
public record RepoMeta(int version, String algorithm, boolean kernelVerity) {
    public static final int CURRENT_VERSION = 1;
    public static final String ALGORITHM = "fsverity-sha256-12";
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
        String alg = n.path("algorithm").asText(ALGORITHM);
        // A missing flag means a repository written without the probe: assume the safe answer.
        boolean kv = n.path("cfsj").path("kernel-verity").asBoolean(false);
        return new RepoMeta(version, alg, kv);
    }

    void write(Path root) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", version);
        n.put("algorithm", algorithm);
        n.putObject("cfsj").put("kernel-verity", kernelVerity);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
        Path tmp = Files.createTempFile(root, ".meta", ".tmp");
        Files.write(tmp, bytes);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, root.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
