package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.fuse.Mounts;
import org.cfsj.sys.MountCalls;
import org.cfsj.testsupport.FuseUring;

/**
 * What these tests need from the machine. Each missing piece skips with a loud reason; in CI
 * (root, /dev/fuse, a 6.12+ kernel) nothing skips. A missing or broken FUSE server is not a
 * reason to skip: those tests fail.
 */
final class FuseEnvironment {
    private FuseEnvironment() {}

    static void requireFuse() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED: the FUSE server tests mount(2) /dev/fuse directly and need root: run the suite as root");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: /dev/fuse is missing (load the fuse module / pass the device into the container)");
        assumeTrue(Files.readString(Path.of("/proc/filesystems")).contains("\tfuse\n"), "SKIPPED: the kernel has no FUSE filesystem");
    }

    static void requireKernelComposefs() throws IOException {
        requireFuse();
        String fs = Files.readString(Path.of("/proc/filesystems"));
        assumeTrue(fs.contains("\terofs\n"), "SKIPPED: the kernel has no EROFS: cannot mount the kernel composefs reference view");
        assumeTrue(fs.contains("\toverlay\n"), "SKIPPED: the kernel has no overlayfs: cannot mount the kernel composefs reference view");
    }

    /**
     * Readies the machine for a server with {@code --transport=TRANSPORT} (dev or uring): for
     * uring, skips loudly where the kernel lacks FUSE over io_uring, else turns the fuse module's
     * enable_uring on until the returned handle is closed (which puts the old value back).
     */
    static AutoCloseable transport(String transport) {
        if (!transport.equals("uring")) {
            return () -> {};
        }
        String why = FuseUring.unavailable();
        assumeTrue(why == null, "SKIPPED: FUSE over io_uring is NOT tested: " + why);
        return FuseUring.enable();
    }

    /** What the server's stats line says for {@code --transport=TRANSPORT}. */
    static String transportName(String transport) {
        return transport.equals("uring") ? "io_uring" : transport;
    }

    /**
     * Best effort, for cleaning up: detaches whatever is still mounted at {@code p} (repeatedly,
     * for stacked mounts), whatever kind of mount it is.
     */
    static void forceUnmount(Path p) {
        for (int i = 0; i < 8; i++) {
            try {
                if (!Mounts.isMountPoint(p)) {
                    return;
                }
                MountCalls.umount2(p.toAbsolutePath().normalize().toString(), MountCalls.MNT_DETACH);
            } catch (IOException e) {
                return;
            }
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
