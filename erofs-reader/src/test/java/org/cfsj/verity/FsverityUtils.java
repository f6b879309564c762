package org.cfsj.verity;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Runs fsverity-utils' {@code fsverity digest}, the reference the digests are checked against. */
final class FsverityUtils {
    private FsverityUtils() {}

    static boolean available() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "fsverity"))) {
                return true;
            }
        }
        return false;
    }

    static void assumeAvailable() {
        assumeTrue(available(), "SKIPPED: `fsverity` (fsverity-utils) is not on PATH; apt-get install fsverity");
    }

    /** The digest `fsverity digest` prints for {@code file}, as raw bytes. */
    static byte[] digest(Path file, FsVerityParams params) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                "fsverity", "digest", file.toString(),
                "--hash-alg=" + params.algorithm().shortName(),
                "--block-size=" + params.blockSize()));
        if (params.salt().length > 0) {
            cmd.add("--salt=" + HexFormat.of().formatHex(params.salt()));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + rc + "): " + out);
        }
        // "sha256:<hex> <file>"
        String prefix = params.algorithm().shortName() + ":";
        if (!out.startsWith(prefix) || !out.endsWith(" " + file)) {
            throw new IOException("unexpected fsverity output: " + out);
        }
        return HexFormat.of().parseHex(out.substring(prefix.length(), out.indexOf(' ')));
    }
}
