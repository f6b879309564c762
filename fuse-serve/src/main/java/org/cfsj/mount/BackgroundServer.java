package org.cfsj.mount;

import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cfsj.fuse.FuseMount;
import org.cfsj.fuse.Mounts;

/**
 * Serves a composefs image over FUSE from a detached server process ({@link ServerProcess}, a
 * JVM like this one: {@link JvmCommand}) and returns once the mount is live. The server runs
 * in a session of its own, with stdin and stdout on /dev/null and stderr a pipe to this process
 * until its mount is live: what it says there (errors, start-up warnings) is relayed to the
 * caller, so nothing of the start-up is left in a file; what it says later goes to the
 * {@link BackgroundLog}. It exits when its mount is unmounted ({@link Unmount}).
 */
public final class BackgroundServer {
    private static final long START_TIMEOUT_MS = 60_000;
    /** Start-up messages longer than this are cut: a server that says more is broken anyway. */
    private static final int MAX_STARTUP_MESSAGES = 64 * 1024;

    private BackgroundServer() {}

    /**
     * The server could not mount and said why; its messages have been relayed already, so the
     * caller need not say more than that it failed.
     */
    public static final class StartFailedException extends IOException {
        StartFailedException(String messages) {
            super(messages);
        }
    }

    /**
     * Starts a server of {@code image} (objects under {@code objects}) at {@code mountpoint}
     * and waits until the mount is live; the server's start-up messages are printed on
     * {@code messages}. {@link MountOptions#quiet} does not apply: the server reports problems only.
     *
     * @throws StartFailedException if the server gave up with a message (relayed on {@code messages})
     * @throws IOException if the mount point is unusable, or the server died or hung without a word
     */
    public static void start(Path image, Path objects, Path mountpoint, MountOptions options, PrintStream messages)
            throws IOException, InterruptedException {
        // fail fast on the problems visible from here, with the usual messages
        Path mnt = FuseMount.checkMountpoint(mountpoint);
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // out of our terminal's session: Ctrl-C here must not stop it
        }
        // The server gets the directory checked here (symlinks resolved), not a second spelling of it.
        cmd.addAll(JvmCommand.forMain(ServerProcess.class, ServerProcess.arguments(image, objects, mnt, options)));
        Process child = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        CompletableFuture<String> startup = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("cfsj-fuse-serve-startup").start(() -> startup.complete(readBounded(child)));
        String said;
        try {
            said = startup.get(START_TIMEOUT_MS, TimeUnit.MILLISECONDS).strip();
        } catch (TimeoutException e) {
            child.destroy();
            throw new IOException("the background server did not mount " + mountpoint + " within "
                    + START_TIMEOUT_MS / 1000 + " s");
        } catch (ExecutionException e) {
            child.destroy();
            throw new IOException("reading the background server's messages failed: " + e.getCause().getMessage());
        }
        if (child.isAlive() && Mounts.isMountedOver(mnt)) {
            if (!said.isEmpty()) {
                messages.println(said);
            }
            return;
        }
        boolean stopped = false;
        if (!child.waitFor(10, TimeUnit.SECONDS)) {
            // Alive but not mounted where asked: a failed start leaves no server behind.
            stopped = true;
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        if (!said.isEmpty()) {
            messages.println(said);
            messages.flush();
            throw new StartFailedException(said);
        }
        if (stopped) {
            throw new IOException("the background server did not mount " + mountpoint + " (stopped it)");
        }
        throw new IOException("the background server exited with status " + child.exitValue()
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
