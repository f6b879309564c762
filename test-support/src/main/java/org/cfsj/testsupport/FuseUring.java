package org.cfsj.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fuse module's {@code enable_uring} parameter, which lets FUSE servers use io_uring (Linux
 * 6.14+ with CONFIG_FUSE_IO_URING; off by default). A test that serves through io_uring turns it
 * on for its own duration with {@link #enable()} and puts the old value back when done, so the
 * machine is left as it was found.
 */
public final class FuseUring {
    public static final Path PARAMETER = Path.of("/sys/module/fuse/parameters/enable_uring");

    private FuseUring() {}

    /** Why io_uring cannot be tested here, or null if it can (the parameter exists and is writable). */
    public static String unavailable() {
        if (!Files.exists(PARAMETER)) {
            return "this kernel has no FUSE over io_uring (" + PARAMETER + " is missing: needs Linux 6.14+ with"
                    + " CONFIG_FUSE_IO_URING)";
        }
        if (!Files.isWritable(PARAMETER)) {
            return PARAMETER + " is not writable (needs root)";
        }
        return null;
    }

    /** The parameter set to Y until the returned handle is closed, which writes back the old value. */
    public static Restore enable() {
        try {
            String old = Files.readString(PARAMETER).strip();
            Files.writeString(PARAMETER, "Y");
            return new Restore(old);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Puts the parameter back to what it was. */
    public record Restore(String old) implements AutoCloseable {
        @Override
        public void close() {
            try {
                Files.writeString(PARAMETER, old);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
