package org.cfsj.fuse;

import java.util.Locale;

/**
 * Which transport a session asks for ({@code --transport}): requests read from and answered on
 * /dev/fuse fds, or FUSE over io_uring (Linux 6.14+, fuse module parameter {@code enable_uring}).
 */
public enum TransportChoice {
    /** io_uring where the kernel grants it (if {@link #AUTO_PREFERS_URING}), else /dev/fuse. */
    AUTO,
    /** io_uring, or the session does not start (with a one-line reason). */
    URING,
    /** /dev/fuse read/writev, never io_uring. */
    DEV;

    /**
     * Whether {@link #AUTO} tries io_uring first: only where it is not slower than /dev/fuse
     * (bench/requests.sh; figures in bench/results).
     */
    static final boolean AUTO_PREFERS_URING = true;

    /** True when the session should offer io_uring to the kernel. */
    boolean wantsUring() {
        return this == URING || this == AUTO && AUTO_PREFERS_URING;
    }

    /** The option's spelling: auto, uring, dev. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code auto|uring|dev}. */
    public static TransportChoice of(String word) {
        return switch (word) {
            case "auto" -> AUTO;
            case "uring", "io_uring" -> URING;
            case "dev" -> DEV;
            default -> throw new IllegalArgumentException("--transport must be auto, uring or dev, not " + word);
        };
    }
}
