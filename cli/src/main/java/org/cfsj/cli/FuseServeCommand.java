package org.cfsj.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.cfsj.fuse.TransportChoice;
import org.cfsj.mount.BackgroundServer;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.mount.MountOptions;
import org.cfsj.mount.ServerProcess;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj fuse-serve}: serves a composefs image read-only over FUSE, as the kernel composefs
 * mount (EROFS + overlayfs) would show it. Runs in the foreground until unmounted or signalled;
 * {@code --background} starts a detached server and returns once the mount is live.
 */
@Command(
        name = "fuse-serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Mount a composefs image read-only with FUSE and serve it until unmounted.",
            "",
            "File data comes from the objects under --basedir, each checked against the",
            "fs-verity digest the image records (in user space where the kernel has no",
            "fs-verity). Stops on SIGINT/SIGTERM (unmounting) or when unmounted (cfsj umount,",
            "umount, fusermount3 -u).",
            "",
            "With --background, start-up errors and warnings are printed here before the",
            "command returns; what the server says later goes to the systemd journal",
            "(identifier cfsj-fuse-serve) where journald runs, else to a file",
            "fuse-serve-PID-RANDOM.log (mode 0600, made only when there is something to say)",
            "in /run/cfsj for root, $XDG_RUNTIME_DIR/cfsj (or ~/.local/state/cfsj) for users.",
            "",
            "The mount is nosuid,nodev: an image's setuid files and device nodes give nobody",
            "privileges. --allow-suid-dev lifts that for a container's root filesystem; with",
            "allow_other, any user who can reach the mount point could then run the image's",
            "setuid programs as their owner (root) and open its device nodes, so use it only",
            "on a mount point in a directory that no other user can enter.",
            "",
            "Without --passthrough, files of up to 1 MiB that are read in directory order",
            "(tar, cp -r) are put into the page cache ahead of the reader, so most of their",
            "reads never reach the server (the --stats line counts them as readahead_files);",
            "their objects are asked from the disk a window at a time. With --passthrough,",
            "only the latter: the kernel reads the objects itself.",
            "",
            "Without --insecure, a file whose image records no fs-verity digest is refused",
            "(EIO, logged once), as the kernel's composefs mount with verity=require refuses",
            "it: images built from a directory or an OCI image always carry digests, a",
            "dumpfile may leave them out. Object paths are resolved without following any",
            "symlink and never leave --basedir. Directory entries no file can have (a second",
            "\".\" or \"..\", a name with a NUL or '/', only in crafted images) are not listed.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:served and unmounted (or, with --background, the mount is live)",
                "1:the image, mount point or object directory is unusable, or mounting failed", "2:invalid usage"})
final class FuseServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The composefs image.")
    Path image;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing empty directory.")
    Path mountpoint;

    @Option(names = "--basedir", required = true, paramLabel = "DIR",
            description = "Object directory holding the file data (objects/XX/digest).")
    Path basedir;

    @Option(names = "--passthrough",
            description = "Let the kernel read file data from the objects directly (FUSE passthrough, root, Linux 6.9+).")
    boolean passthrough;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: available processors, at least 2).")
    Integer threads;

    @Option(names = "--insecure",
            description = "Do not check objects against the image's fs-verity digests; serve files without one.")
    boolean insecure;

    @Option(names = "--digest-ledger", paramLabel = "FILE",
            description = {"Remember user-space object digests in FILE (created 0600 if missing) across servers, so",
                "a later mount need not hash an unchanged object again. cfsj oci mount uses the repository's."})
    Path digestLedger;

    @Option(names = "--background", description = "Start the server detached; return once the mount is live.")
    boolean background;

    @Option(names = "--allow-suid-dev", description = {"Honour setuid/setgid bits and device nodes (for a container rootfs).",
            "WARNING: only on a mount point no other user can reach: anyone who can walk into the",
            "mount could run the image's setuid programs as root and open its device nodes."})
    boolean allowSuidDev;

    @Option(names = "--stats", description = "On exit, print request counters to stderr (and the transport used).")
    boolean stats;

    @Option(names = "--transport", paramLabel = "auto|uring|dev", defaultValue = "auto",
            description = {"How requests travel between the kernel and the server: uring = FUSE over io_uring",
                "(Linux 6.14+, fuse module parameter enable_uring=Y; fails where unavailable), dev = read/write",
                "on /dev/fuse, auto (default) = io_uring where the kernel offers it, else /dev/fuse."})
    String transport;

    /** For measuring the cost of a request: how long the kernel may cache names and attributes. */
    @Option(names = "--metadata-timeout", paramLabel = "SECONDS", hidden = true)
    Long metadataTimeout;

    @Override
    public Integer call() throws Exception {
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be between 1 and 1024");
        }
        TransportChoice choice;
        try {
            choice = TransportChoice.of(transport);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (metadataTimeout != null && (metadataTimeout < 0 || metadataTimeout > 365L * 24 * 3600)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--metadata-timeout must be 0 to 31536000 seconds");
        }
        MountOptions.Builder options = MountOptions.builder()
                .passthrough(passthrough)
                .insecure(insecure)
                .allowSuidDev(allowSuidDev)
                .digestLedger(digestLedger)
                .statsOnExit(stats)
                .transport(choice)
                .metadataTimeout(metadataTimeout == null ? null : Duration.ofSeconds(metadataTimeout));
        if (threads != null) {
            options.threads(threads);
        }
        String readyToken = background ? ServerProcess.readyToken() : null;
        if (readyToken != null) { // the launcher started this JVM detached and waits for the token
            ServerProcess.serveForStarter(image, basedir, mountpoint, options.build(), readyToken);
        } else if (background) {
            BackgroundServer.start(image, basedir, mountpoint, options.build(), System.err);
        } else {
            ComposefsServer.start(image, basedir, mountpoint, options.build()).serveUntilUnmounted();
        }
        return 0;
    }
}
