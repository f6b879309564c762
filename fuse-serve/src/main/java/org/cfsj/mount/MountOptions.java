package org.cfsj.mount;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.cfsj.fuse.SessionOptions;
import org.cfsj.fuse.TransportChoice;

/**
 * How a composefs image is mounted, for every kind of mount in this package; built with
 * {@link #builder()}. What to mount (the image file, the object directory, the mount point) is
 * passed beside it.
 *
 * <p>Invariant: the defaults are the safe choice. A mount is {@code nosuid,nodev} unless
 * {@link Builder#allowSuidDev} is set, objects are checked against their fs-verity digests
 * unless {@link Builder#insecure} is set, and {@code threads} is at least 1.
 *
 * @param allowSuidDev honour the image's setuid/setgid bits and device nodes; only for a mount
 *     point no other user can reach (a container's root filesystem in a root-only directory)
 * @param insecure FUSE: do not check objects against the image's fs-verity digests and serve
 *     files without one
 * @param requireVerity kernel: mount overlayfs with {@code verity=require}, which refuses any
 *     object whose fs-verity digest is not the one the image names (needs kernel fs-verity)
 * @param passthrough FUSE: let the kernel read file data from the objects directly
 * @param threads FUSE: worker threads
 * @param digestLedger FUSE: where user-space object digests are remembered across servers, or null
 * @param quiet FUSE: log warnings only, no start-up line
 * @param statsOnExit FUSE: log the request counters when the server stops
 * @param transport FUSE: how requests travel (/dev/fuse, io_uring, or the better one available)
 * @param metadataTimeout FUSE: how long the kernel may cache names and attributes instead of the
 *     filesystem's policy, or null (zero: every stat is a request, for benchmarks)
 */
public record MountOptions(boolean allowSuidDev, boolean insecure, boolean requireVerity, boolean passthrough,
        int threads, Path digestLedger, boolean quiet, boolean statsOnExit, TransportChoice transport,
        Duration metadataTimeout) {
    public MountOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        Objects.requireNonNull(transport, "transport");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder().allowSuidDev(allowSuidDev).insecure(insecure).requireVerity(requireVerity)
                .passthrough(passthrough).threads(threads).digestLedger(digestLedger).quiet(quiet).statsOnExit(statsOnExit)
                .transport(transport).metadataTimeout(metadataTimeout);
    }

    /** Options with the defaults of {@link MountOptions}: everything off, the default number of threads. */
    public static final class Builder {
        private boolean allowSuidDev;
        private boolean insecure;
        private boolean requireVerity;
        private boolean passthrough;
        private int threads = SessionOptions.defaultThreads();
        private Path digestLedger;
        private boolean quiet;
        private boolean statsOnExit;
        private TransportChoice transport = TransportChoice.AUTO;
        private Duration metadataTimeout;

        private Builder() {}

        public Builder transport(TransportChoice value) {
            transport = value;
            return this;
        }

        public Builder metadataTimeout(Duration value) {
            metadataTimeout = value;
            return this;
        }

        public Builder allowSuidDev(boolean value) {
            allowSuidDev = value;
            return this;
        }

        public Builder insecure(boolean value) {
            insecure = value;
            return this;
        }

        public Builder requireVerity(boolean value) {
            requireVerity = value;
            return this;
        }

        public Builder passthrough(boolean value) {
            passthrough = value;
            return this;
        }

        public Builder threads(int value) {
            threads = value;
            return this;
        }

        public Builder digestLedger(Path value) {
            digestLedger = value;
            return this;
        }

        public Builder quiet(boolean value) {
            quiet = value;
            return this;
        }

        public Builder statsOnExit(boolean value) {
            statsOnExit = value;
            return this;
        }

        public MountOptions build() {
            return new MountOptions(allowSuidDev, insecure, requireVerity, passthrough, threads, digestLedger, quiet,
                    statsOnExit, transport, metadataTimeout);
        }
    }
}
