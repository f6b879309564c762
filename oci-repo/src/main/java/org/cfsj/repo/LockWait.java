package org.cfsj.repo;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a request for the repository lock behaves while another process holds it: after
 * {@link #NOTICE_AFTER} it tells {@code notice} who holds the lock (so that a user staring at a
 * silent command learns why), and after {@code timeout} it gives up with a
 * {@link RepositoryException}; a null timeout waits as long as it takes.
 *
 * @param timeout how long to wait at most, or null for no limit
 * @param notice  receives the one-line "waiting for the repository lock held by PID …" message
 */
public record LockWait(Duration timeout, Consumer<String> notice) {
    /** How long a request waits silently before it says why it is waiting. */
    public static final Duration NOTICE_AFTER = Duration.ofSeconds(1);
    /** Waits without limit and tells no one (library callers that have no user to tell). */
    public static final LockWait SILENT = new LockWait(null, message -> {});

    public LockWait {
        Objects.requireNonNull(notice, "notice");
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("negative lock timeout: " + timeout);
        }
    }
}
