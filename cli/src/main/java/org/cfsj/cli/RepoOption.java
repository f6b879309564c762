package org.cfsj.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.cfsj.repo.Repository;

/**
 * The global {@code --repo DIR} option ({@link Main} declares it, inherited by every
 * subcommand) and how commands find their repository: {@code --repo}, else {@code $CFSJ_REPO},
 * else {@code /var/lib/cfsj} for root and {@code ~/.local/share/cfsj} for others.
 */
final class RepoOption {
    private static volatile Path explicit;

    private RepoOption() {}

    static void set(Path dir) {
        explicit = dir;
    }

    static void reset() {
        explicit = null;
    }

    static Path location() {
        return Repository.defaultLocation(explicit);
    }

    /** Opens the repository, with a clear error if there is none. */
    static Repository open() throws IOException {
        return Repository.open(location());
    }

    /** Human-readable byte count (binary units, one decimal). */
    static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
