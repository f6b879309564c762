package org.cfsj.mount;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.cfsj.fuse.FuseMount;
import org.cfsj.fuse.Log;
import org.cfsj.fuse.TransportChoice;

/**
 * The detached FUSE server that {@link BackgroundServer} starts: its command line and its
 * {@link #main}. It mounts quietly (warnings only), and once the mount is live it moves its
 * messages from stderr, the pipe to the starting process, to the {@link BackgroundLog} and
 * closes that pipe, which tells the starter that the start-up is over. It then serves until
 * unmounted.
 *
 * <p>The command line is {@code fuse-serve IMAGE MOUNTPOINT --basedir DIR [options]}, in the
 * words of {@code cfsj fuse-serve}: the first word is the role, so that {@code ps} shows a
 * server and the mount point it serves as a user would have typed them. It is written by
 * {@link #arguments} and read by {@link #parse} only; paths are absolute.
 */
public final class ServerProcess {
    static final String ROLE = "fuse-serve";

    private ServerProcess() {}

    /** What the server is told to do. */
    record Request(Path image, Path objects, Path mountpoint, MountOptions options) {}

    /** The arguments after the main class, for {@link #main}. */
    static List<String> arguments(Path image, Path objects, Path mountpoint, MountOptions o) {
        List<String> args = new ArrayList<>(List.of(ROLE, absolute(image), absolute(mountpoint), "--basedir", absolute(objects),
                "--threads", Integer.toString(o.threads())));
        if (o.passthrough()) {
            args.add("--passthrough");
        }
        if (o.insecure()) {
            args.add("--insecure");
        }
        if (o.allowSuidDev()) {
            args.add("--allow-suid-dev");
        }
        if (o.digestLedger() != null) {
            args.add("--digest-ledger");
            args.add(absolute(o.digestLedger()));
        }
        if (o.statsOnExit()) {
            args.add("--stats");
        }
        args.add("--transport=" + o.transport().word());
        if (o.metadataTimeout() != null) {
            args.add("--metadata-timeout=" + o.metadataTimeout().toSeconds());
        }
        return args;
    }

    /** Absolute but not normalized: dropping {@code x/..} as text would change what a symlink {@code x} means. */
    private static String absolute(Path p) {
        return p.toAbsolutePath().toString();
    }

    /** Reads what {@link #arguments} wrote; the server is always quiet (it speaks about problems only). */
    static Request parse(String[] args) {
        if (args.length < 5 || !args[0].equals(ROLE) || !args[3].equals("--basedir")) {
            throw new IllegalArgumentException("usage: " + ROLE + " IMAGE MOUNTPOINT --basedir DIR [options]");
        }
        MountOptions.Builder o = MountOptions.builder().quiet(true);
        for (int i = 5; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> o.threads(Integer.parseInt(args[++i]));
                case "--passthrough" -> o.passthrough(true);
                case "--insecure" -> o.insecure(true);
                case "--allow-suid-dev" -> o.allowSuidDev(true);
                case "--digest-ledger" -> o.digestLedger(Path.of(args[++i]));
                case "--stats" -> o.statsOnExit(true);
                default -> {
                    if (args[i].startsWith("--transport=")) {
                        o.transport(TransportChoice.of(args[i].substring("--transport=".length())));
                    } else if (args[i].startsWith("--metadata-timeout=")) {
                        o.metadataTimeout(Duration.ofSeconds(Long.parseLong(args[i].substring("--metadata-timeout=".length()))));
                    } else {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                }
            }
        }
        return new Request(Path.of(args[1]), Path.of(args[4]), Path.of(args[2]), o.build());
    }

    /**
     * The environment variable through which a starter that is not {@link BackgroundServer} (the
     * launcher script {@code ./cfsj}, which starts the server's JVM detached itself and so saves
     * a second JVM) asks {@code cfsj fuse-serve --background} to serve in its own process: its
     * value is a line the starter cannot confuse with a message (a random token), which the
     * server prints on stderr once the mount is live, right before it closes stderr.
     */
    public static final String READY_TOKEN_ENV = "CFSJ_READY_TOKEN";
    /** A token is one short line of letters, digits and dashes: anything else is not from a starter. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9-]{16,64}");

    /** The ready token if a starter waits on this process's stderr ({@link #READY_TOKEN_ENV}), else null. */
    public static String readyToken() {
        String token = System.getenv(READY_TOKEN_ENV);
        return token != null && TOKEN.matcher(token).matches() ? token : null;
    }

    /**
     * Serves in this process, already detached by its starter, which reads stderr until the
     * mount is live: start-up messages go there, then {@code token} on a line of its own, and
     * then stderr is closed and later messages go to the {@link BackgroundLog}. Returns once
     * the mount is unmounted. Quiet as the {@link #main} of a {@link BackgroundServer} is.
     *
     * @throws IOException if it could not mount (the caller reports it on stderr: the starter
     *     then sees an end of stderr without the token)
     */
    public static void serveForStarter(Path image, Path objects, Path mountpoint, MountOptions options, String token)
            throws IOException, InterruptedException {
        Path mnt = FuseMount.checkMountpoint(mountpoint);
        ComposefsServer server = ComposefsServer.start(image, objects, mnt, options.toBuilder().quiet(true).build());
        System.err.println(token);
        detachFromStarter(mnt);
        server.serveUntilUnmounted();
    }

    /** The server: exit status 0 once it has served and been unmounted, 1 if it could not mount. */
    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler((thread, t) -> Log.info("internal error: " + t));
        Log.routeSystemLoggers("cfsj fuse-serve: ");
        ComposefsServer server;
        try {
            Request r = parse(args);
            server = ComposefsServer.start(r.image(), r.objects(), r.mountpoint(), r.options());
        } catch (IOException | RuntimeException e) {
            Log.info(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
            System.exit(1);
            return;
        }
        detachFromStarter(server.session().mountpoint());
        try {
            server.serveUntilUnmounted();
        } catch (IOException | InterruptedException e) {
            Log.info("stopping: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    /**
     * Once the mount is live and the start-up warnings are written: later messages go to the
     * {@link BackgroundLog}, and stderr, the pipe to the starting process, is closed (the JDK
     * puts /dev/null on fd 2), which tells that process that the start-up is over.
     */
    private static void detachFromStarter(Path mountpoint) {
        PrintStream starter = System.err;
        starter.flush();
        System.setErr(new PrintStream(BackgroundLog.open(mountpoint), true, StandardCharsets.UTF_8));
        starter.close();
    }
}
