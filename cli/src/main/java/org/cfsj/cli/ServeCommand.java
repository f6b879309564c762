package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.service.AccessPolicy;
import org.cfsj.service.ComposefsService;
import org.cfsj.service.ServiceMounts;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Processes;
import org.cfsj.sys.Sockets;
import org.cfsj.sys.SysException;
import org.cfsj.varlink.ServiceInfo;
import org.cfsj.varlink.SocketActivation;
import org.cfsj.varlink.VarlinkLimits;
import org.cfsj.varlink.VarlinkServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code cfsj serve}: the varlink service ({@link org.cfsj.service}) on a unix socket, until
 * SIGTERM or SIGINT. Owns the socket's life: where it is, its mode and group (final before any
 * client can connect, see {@link VarlinkServer#listen(Path, String)}), refusing to take over a
 * socket another service still answers on, and removing it on the way out.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Serve the repository API (varlink) on a unix socket until SIGTERM or SIGINT.",
            "",
            "The interfaces are org.composefs.Repository and org.composefs.Oci, with the",
            "methods, fields and errors of composefs-rs' cfsctl where they overlap.",
            "",
            "The socket is /run/cfsj/cfsj.sock for root and $XDG_RUNTIME_DIR/cfsj.sock for",
            "others, mode 0600 (0660 and the group's with --group). A root service serves root",
            "and, with --group, that group's members; a user service serves its own user. Group",
            "members may use only the service's repository (--repo, $CFSJ_REPO or the default)",
            "and pull only from registries. Started by systemd socket activation (LISTEN_FDS)",
            "it serves the socket it was given; see contrib/systemd/ and the README.",
            "",
            "A socket file left by a service that is gone is replaced; one that a running",
            "service still answers on is not (the command fails). Try it with",
            "'cfsj varlink call org.varlink.service.GetInfo'.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:stopped by SIGTERM or SIGINT", "1:the socket could not be set up", "2:invalid usage"})
final class ServeCommand implements Callable<Integer> {
    static final Path ROOT_SOCKET = Path.of("/run/cfsj/cfsj.sock");
    private static final long GROUP_FILE_LIMIT = 4 << 20;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Where to listen (default: /run/cfsj/cfsj.sock as root, $XDG_RUNTIME_DIR/cfsj.sock otherwise).")
    Path socket;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Also serve this group's members (a name from /etc/group, or a gid); root service only.")
    String group;

    @Option(names = "--idle", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = {"How long an image's FUSE server is kept after its last mount is gone, in any mount namespace"
                    + " (e.g. 30s, 5m, 1h; default: 5m).",
                "Mounts are looked for in the mount tables of running processes (overlays on them included): a mount"
                    + " fd held but never attached, a lazily unmounted mount with files still open, or a mount in a"
                    + " namespace no process is in is not seen, and fails once the idle period has passed."})
    Duration idle;

    @Override
    public Integer call() throws IOException, InterruptedException {
        boolean root = EffectiveUser.isRoot();
        int uid = Processes.geteuid();
        OptionalInt gid = OptionalInt.empty();
        if (group != null) {
            if (!root) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--group needs a service running as root");
            }
            gid = OptionalInt.of(groupId(group));
        }
        Optional<SocketActivation> activation = SocketActivation.fromEnvironment();
        AccessPolicy policy = AccessPolicy.of(uid, gid);
        Path repository = RepoOption.location().toAbsolutePath();
        ServiceInfo info = new ServiceInfo("cfsj", "cfsj", Main.Version.current(), "README.md#the-varlink-service-cfsj-serve");
        PrintWriter err = spec.commandLine().getErr();
        try (ServiceMounts mounts = new ServiceMounts(idle);
                ComposefsService service = new ComposefsService(policy, repository, !root, mounts);
                VarlinkServer server = new VarlinkServer(info, service.interfaces(), VarlinkLimits.DEFAULT, policy)) {
            String where;
            if (activation.isPresent()) {
                server.serve(activation.get());
                where = "the socket systemd passed (fd " + activation.get().fds().getFirst() + ")";
            } else {
                Path path = (socket != null ? socket : VarlinkCommand.Call.defaultSocket()).toAbsolutePath();
                prepare(path, root);
                server.listen(path, group == null ? null : Integer.toString(gid.getAsInt()));
                where = path.toString();
            }
            CountDownLatch stop = new CountDownLatch(1);
            Signal.handle(new Signal("TERM"), s -> stop.countDown());
            Signal.handle(new Signal("INT"), s -> stop.countDown());
            err.println("cfsj serve: listening on " + where + ", serving " + policy.describe() + ", repository "
                    + repository);
            err.flush();
            stop.await();
        }
        return 0;
    }

    /**
     * Makes the socket's directory (0755, root's when root makes it) if it is missing, and checks
     * what is at the path: nothing, or a socket no service answers on (it is replaced); a socket
     * that answers, or anything else, is an error.
     */
    private static void prepare(Path path, boolean root) throws IOException {
        Path dir = path.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!"socket".equals(fileType(path))) {
            throw new IOException(path + " exists and is not a socket; not replacing it");
        }
        int fd;
        try {
            fd = Sockets.connect(path.toString());
        } catch (SysException e) {
            return; // nothing answers: a socket left by a service that is gone
        }
        FileCalls.close(fd);
        throw new IOException(path + ": a service is already answering on this socket");
    }

    private static String fileType(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & S_IFMT) == S_IFSOCK ? "socket" : "not a socket";
    }

    /** {@code G} as a gid: a number, or a name looked up in /etc/group (read up to a bound). */
    static int groupId(String g) throws IOException {
        if (g.matches("[0-9]{1,10}") && Long.parseLong(g) <= 0xffff_fffeL) {
            return (int) Long.parseLong(g);
        }
        Path file = Path.of("/etc/group");
        if (Files.size(file) > GROUP_FILE_LIMIT) {
            throw new IOException(file + " is larger than " + GROUP_FILE_LIMIT + " bytes; give the gid instead");
        }
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && f[0].equals(g) && f[2].matches("[0-9]{1,10}")) {
                return (int) Long.parseLong(f[2]);
            }
        }
        throw new IOException("--group " + g + ": no such group in /etc/group (give the gid instead)");
    }

    /** {@code --idle}: a number with an optional unit s, m or h (seconds when none), at least 1 s. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            var m = java.util.regex.Pattern.compile("([0-9]{1,9})([smh]?)").matcher(value.strip());
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 30s, 5m or 1h");
            }
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
            if (d.isZero()) {
                throw new CommandLine.TypeConversionException("--idle must be at least 1s");
            }
            return d;
        }
    }
}
