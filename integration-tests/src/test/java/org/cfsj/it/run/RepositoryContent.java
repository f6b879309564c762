package org.cfsj.it.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a repository holds, to compare before and after a container ran on it: the SHA-256 of
 * every file (composefs image files included) and the target of every symlink under
 * {@code objects/}, {@code images/} and {@code streams/}. The digest ledger and the lock file
 * are left out: serving an image legitimately records digests there.
 */
final class RepositoryContent {
    private RepositoryContent() {}

    static Map<String, String> digests(Path repo) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String dir : new String[] {"objects", "images", "streams"}) {
            try (Stream<Path> s = Files.walk(repo.resolve(dir))) {
                for (Path p : s.toList()) {
                    String name = repo.relativize(p).toString();
                    if (Files.isSymbolicLink(p)) {
                        out.put(name, "-> " + Files.readSymbolicLink(p));
                    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        out.put(name, sha256(p));
                    }
                }
            }
        }
        return out;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
