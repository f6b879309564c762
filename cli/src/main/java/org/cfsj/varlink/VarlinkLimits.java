package org.cfsj.varlink;

/**
 * What one client may make the service hold, so a hostile or broken client costs bounded memory
 * and never another client's service.
 *
 * @param maxMessageBytes the largest message, without its NUL, either direction; a longer one
 *     ends the connection after an {@code InvalidParameter} error. This also bounds the bytes
 *     buffered for one connection while a message is incomplete.
 * @param maxNestingDepth the deepest nesting of JSON arrays and objects in one message
 * @param maxConnections connections served at once; further ones are closed as soon as accepted
 * @param maxFdsPerMessage fds one message may carry (the kernel's own cap is 253)
 */
public record VarlinkLimits(int maxMessageBytes, int maxNestingDepth, int maxConnections, int maxFdsPerMessage) {
    /** 8 MiB messages (an {@code Inspect} reply carries a whole manifest and config), depth 64, 256 connections, 16 fds. */
    public static final VarlinkLimits DEFAULT = new VarlinkLimits(8 << 20, 64, 256, 16);

    public VarlinkLimits {
        if (maxMessageBytes < 1024 || maxNestingDepth < 4 || maxConnections < 1 || maxFdsPerMessage < 0 || maxFdsPerMessage > 253) {
            throw new IllegalArgumentException("unusable varlink limits");
        }
    }
}
