package org.cfsj.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cfsj.composefs.ComposefsServer;
import org.cfsj.fuse.Log;
import org.cfsj.fuse.Mounts;
import org.cfsj.fuse.SessionOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;
import sun.misc.SignalHandler;

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
    private static final long BACKGROUND_START_TIMEOUT_MS = 60_000;
    /** Start-up messages longer than this are cut: a server that says more is broken anyway. */
    private static final int MAX_STARTUP_MESSAGES = 64 * 1024;
    /** After SIGINT/SIGTERM: how long to wait for open files on the detached mount before exiting anyway. */
    private static final long SIGNAL_GRACE_MS = 2_000;

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

    @Option(names = "--stats", description = "On exit, print request counters to stderr.")
    boolean stats;

    /**
     * Set in the detached child of --background: only warnings are logged, to stderr (a pipe to
     * the starting command) until the mount is live, then to the {@link BackgroundLog}.
     */
    @Option(names = "--quiet-start", hidden = true)
    boolean quietStart;

    @Override
    public Integer call() throws Exception {
        int n = threads == null ? SessionOptions.defaultThreads() : threads;
        if (n < 1 || n > 1024) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be between 1 and 1024");
        }
        if (background) {
            return startInBackground();
        }
        ComposefsServer server = ComposefsServer.start(new ComposefsServer.Config(image, mountpoint, basedir, n,
                passthrough, insecure, allowSuidDev, quietStart, digestLedger));
        if (quietStart) {
            detachFromStarter(server.session().mountpoint());
        }
        long[] signalledAt = {0};
        SignalHandler onSignal = sig -> {
            synchronized (signalledAt) {
                if (signalledAt[0] == 0) {
                    signalledAt[0] = System.nanoTime();
                }
            }
            try {
                server.unmount();
            } catch (IOException e) {
                Log.info("unmounting on SIG" + sig.getName() + " failed: " + e.getMessage());
            }
        };
        Signal.handle(new Signal("INT"), onSignal);
        Signal.handle(new Signal("TERM"), onSignal);
        while (!server.session().awaitTermination(100, TimeUnit.MILLISECONDS)) {
            long since;
            synchronized (signalledAt) {
                since = signalledAt[0];
            }
            if (since != 0 && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(SIGNAL_GRACE_MS)) {
                Log.info("files are still open on the detached mount; exiting anyway");
                break;
            }
        }
        server.close();
        if (stats) {
            System.err.println(server.statsLine());
        }
        System.err.flush();
        return 0;
    }

    /**
     * In the child of --background, once the mount is live and the start-up warnings are
     * written: later messages go to the {@link BackgroundLog}, and stderr, the pipe to the
     * starting command, is closed (the JDK puts /dev/null on fd 2), which tells that command
     * that the start-up is over.
     */
    private static void detachFromStarter(Path mountpoint) {
        PrintStream starter = System.err;
        starter.flush();
        System.setErr(new PrintStream(BackgroundLog.open(mountpoint), true, StandardCharsets.UTF_8));
        starter.close();
    }

    /**
     * Re-runs this command without --background as a detached process (own session, stdin and
     * stdout on /dev/null, stderr a pipe to us) and waits until the child closes that pipe: it
     * does so once the mount is live (it then logs elsewhere, see {@link BackgroundLog}) or by
     * dying. What it wrote there (errors, start-up warnings) is printed here, so that nothing of
     * the start-up is left in a file.
     */
    private int startInBackground() throws IOException, InterruptedException {
        // fail fast on the problems we can see from here, with the usual messages
        org.cfsj.fuse.FuseMount.checkMountpoint(mountpoint);
        Path mnt = mountpoint.toRealPath();
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // out of our terminal's session: Ctrl-C here must not stop it
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        // the whole original command line ("fuse-serve" included), run in the same working directory
        for (String arg : spec.root().commandLine().getParseResult().originalArgs()) {
            if (!arg.equals("--background")) {
                cmd.add(arg);
            }
        }
        cmd.add("--quiet-start");
        Process child = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        CompletableFuture<String> startup = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("cfsj-fuse-serve-startup").start(() -> startup.complete(readBounded(child)));
        String messages;
        try {
            messages = startup.get(BACKGROUND_START_TIMEOUT_MS, TimeUnit.MILLISECONDS).strip();
        } catch (TimeoutException e) {
            child.destroy();
            throw new IOException("the background server did not mount " + mountpoint + " within "
                    + BACKGROUND_START_TIMEOUT_MS / 1000 + " s");
        } catch (ExecutionException e) {
            child.destroy();
            throw new IOException("reading the background server's messages failed: " + e.getCause().getMessage());
        }
        if (child.isAlive() && Mounts.isMountedOver(mnt)) {
            if (!messages.isEmpty()) {
                System.err.println(messages);
            }
            return 0;
        }
        child.waitFor(10, TimeUnit.SECONDS);
        if (!messages.isEmpty()) {
            System.err.println(messages);
            return Errors.FAILED;
        }
        throw new IOException("the background server exited" + (child.isAlive() ? "" : " with status " + child.exitValue())
                + " before the mount was live");
    }

    /** The child's stderr up to its end, keeping at most {@link #MAX_STARTUP_MESSAGES} characters. */
    private static String readBounded(Process child) {
        StringBuilder kept = new StringBuilder();
        try (Reader r = new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8)) {
            char[] buf = new char[8192];
            for (int n; (n = r.read(buf)) >= 0; ) {
                kept.append(buf, 0, Math.min(n, Math.max(0, MAX_STARTUP_MESSAGES - kept.length())));
            }
        } catch (IOException e) {
            kept.append("(reading the server's messages failed: ").append(e.getMessage()).append(')');
        }
        return kept.toString();
    }
}
