package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import org.cfsj.repo.LockWait;
import org.cfsj.repo.Repository;
import picocli.CommandLine;

/**
 * The global options that say which repository commands use and how they wait for its lock
 * ({@link Main} declares them, inherited by every subcommand), and how commands open it:
 * {@code --repo}, else {@code $CFSJ_REPO}, else {@code /var/lib/cfsj} for root and
 * {@code ~/.local/share/cfsj} for others; {@code --lock-timeout SECONDS}, else no limit.
 *
 * <p>Every command that opens a repository through here warns (one line on stderr) when
 * other users can enter it; {@code init} and {@code fsck} report it themselves instead.
 */
final class RepoOption {
    private static volatile Path explicit;
    private static volatile Duration lockTimeout;

    private RepoOption() {}

    static void set(Path dir) {
        explicit = dir;
    }

    static void setLockTimeout(Duration timeout) {
        lockTimeout = timeout;
    }

    static void reset() {
        explicit = null;
        lockTimeout = null;
    }

    static Path location() {
        return Repository.defaultLocation(explicit);
    }

    /** Opens the repository, with a clear error if there is none; warns if it is not private. */
    static Repository open() throws IOException {
        Repository repo = openQuietly();
        warnIfShared(repo);
        return repo;
    }

    /** Opens the repository without the warning (for commands that report the mode themselves). */
    static Repository openQuietly() throws IOException {
        return configured(Repository.open(location()));
    }

    /**
     * Creates the repository if there is none (as {@code oci pull} does, like podman's storage),
     * saying so in one line unless {@code quiet}, else opens it. Only commands that store something create one; those
     * that read refuse a missing repository with the hint to run {@code cfsj init}.
     */
    static Repository init(boolean quiet) throws IOException {
        Path where = location().toAbsolutePath();
        boolean fresh = !java.nio.file.Files.exists(where);
        Repository repo = configured(Repository.init(where));
        if (fresh && !quiet) {
            System.err.println("cfsj: created the repository " + where);
            System.err.flush();
        }
        warnIfShared(repo);
        return repo;
    }

    private static Repository configured(Repository repo) {
        PrintStream err = System.err;
        repo.setLockWait(new LockWait(lockTimeout, message -> {
            err.println("cfsj: " + message);
            err.flush();
        }));
        return repo;
    }

    private static void warnIfShared(Repository repo) throws IOException {
        String loose = repo.access().looseMode();
        if (loose != null) {
            System.err.println("cfsj: warning: " + loose);
            System.err.flush();
        }
    }

    /** {@code --lock-timeout}: a non-negative number of seconds, fractions allowed. */
    static final class LockTimeoutConverter implements CommandLine.ITypeConverter<Duration> {
        private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(1_000_000_000L);

        @Override
        public Duration convert(String value) {
            BigDecimal seconds;
            try {
                seconds = new BigDecimal(value.strip());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a number of seconds");
            }
            if (seconds.signum() < 0 || seconds.compareTo(MAX_SECONDS) > 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not between 0 and " + MAX_SECONDS
                        + " seconds");
            }
            BigDecimal nanos = seconds.movePointRight(9).setScale(0, RoundingMode.CEILING);
            return Duration.ofNanos(nanos.longValueExact());
        }
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
