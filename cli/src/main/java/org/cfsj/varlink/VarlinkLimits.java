package org.cfsj.varlink;

import java.time.Duration;

/**
 * What one client may make the service hold, so a hostile or broken client costs bounded memory,
 * fds and time, and never another client's service.
 *
 * @param maxMessageBytes the largest message, without its NUL, either direction; a longer one
 *     ends the connection after an {@code InvalidParameter} error. This also bounds the bytes
 *     buffered for one connection while a message is incomplete.
 * @param maxNestingDepth the deepest nesting of JSON arrays and objects in one message
 * @param maxConnections connections served at once for ordinary peers; further ones are closed as
 *     soon as accepted
 * @param maxFdsPerMessage fds one message may carry (the kernel's own cap is 253); also the most a
 *     connection may have buffered while its message is incomplete
 * @param maxConnectionsPerUid connections one ordinary peer uid may hold at once, refused ones
 *     included, so one user cannot take every slot
 * @param reservedConnections slots beyond {@code maxConnections} only privileged peers (see
 *     {@link Admission#privileged}) may take, so root can still connect when others filled the rest
 * @param messageTimeout how long a message may take to arrive once its first byte did; a slower
 *     one ends the connection after an {@code InvalidParameter} error
 * @param writeTimeout how long one reply may wait for the client to read; after that the
 *     connection is shut down and the call's writes fail, so the call can finish
 */
public record VarlinkLimits(int maxMessageBytes, int maxNestingDepth, int maxConnections, int maxFdsPerMessage,
        int maxConnectionsPerUid, int reservedConnections, Duration messageTimeout, Duration writeTimeout) {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * 8 MiB messages (an {@code Inspect} reply carries a whole manifest and config), depth 64, 256
     * connections plus 16 for privileged peers, 32 per uid, 16 fds, 30 s to finish a message or
     * deliver a reply.
     */
    public static final VarlinkLimits DEFAULT =
            new VarlinkLimits(8 << 20, 64, 256, 16, 32, 16, DEFAULT_TIMEOUT, DEFAULT_TIMEOUT);

    public VarlinkLimits {
        if (maxMessageBytes < 1024 || maxNestingDepth < 4 || maxConnections < 1 || maxFdsPerMessage < 0 || maxFdsPerMessage > 253
                || maxConnectionsPerUid < 1 || reservedConnections < 0
                || messageTimeout.isNegative() || messageTimeout.isZero() || writeTimeout.isNegative() || writeTimeout.isZero()) {
            throw new IllegalArgumentException("unusable varlink limits");
        }
    }

    /** Size limits with no per-uid cap below {@code maxConnections}, no reserve and the default timeouts. */
    public VarlinkLimits(int maxMessageBytes, int maxNestingDepth, int maxConnections, int maxFdsPerMessage) {
        this(maxMessageBytes, maxNestingDepth, maxConnections, maxFdsPerMessage, maxConnections, 0,
                DEFAULT_TIMEOUT, DEFAULT_TIMEOUT);
    }

    /** These limits with other timeouts. */
    public VarlinkLimits withTimeouts(Duration message, Duration write) {
        return new VarlinkLimits(maxMessageBytes, maxNestingDepth, maxConnections, maxFdsPerMessage, maxConnectionsPerUid,
                reservedConnections, message, write);
    }

    /** These limits with another per-uid cap and reserve. */
    public VarlinkLimits withConnectionShares(int perUid, int reserved) {
        return new VarlinkLimits(maxMessageBytes, maxNestingDepth, maxConnections, maxFdsPerMessage, perUid, reserved,
                messageTimeout, writeTimeout);
    }
}
