package org.cfsj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.cfsj.mount.MountOptions;
import org.cfsj.oci.runtime.CgroupLayout;
import org.cfsj.oci.runtime.ForegroundRun;
import org.cfsj.oci.runtime.Network;
import org.cfsj.oci.runtime.OciRuntime;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.repo.Repository;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj oci run NAME [-- CMD ARGS...]}: runs a container on a stored image, with a writable
 * root (a throw-away overlay on the image, {@link ContainerRoot}) or with {@code --read-only} the
 * read-only image mount itself. The FUSE server runs inside this process (no second JVM to
 * start), the bundle lives in a temporary directory, and the mounts, the writable layer and the
 * bundle are removed afterwards whatever happens: when the container exits, on Ctrl-C (the
 * signal goes on to the runtime and from there to the container; this process waits for it), or
 * on a fatal error (a shutdown hook). The bundle directory is mode 0700 and root's, so the root
 * filesystem in it, mounted {@code suid,dev} for the container, is out of other users' reach.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run a container from an image with crun (or --runtime).",
            "",
            "The image is bundled in a temporary directory (as 'cfsj oci bundle' does),",
            "'crun run --bundle DIR ID' runs in the foreground with this terminal's stdin,",
            "stdout and stderr, then the bundle is unmounted and removed. The exit status is",
            "the container's. A command after '--' replaces the image's Cmd (its Entrypoint",
            "stays). Needs root.",
            "",
            "The container's root is writable, as with podman run: the image is mounted",
            "read-only under /run/cfsj/containers/ID (root's private runtime directory, mode",
            "0700), and an overlay on top of it keeps every change in ID/upper there. When",
            "the container exits (also when the runtime fails, or on Ctrl-C or SIGTERM), the",
            "overlay and the image are unmounted and ID is removed: changes are thrown away,",
            "the image and the repository never change. Changes take space on /run (often a",
            "tmpfs in memory). --read-only gives the container the read-only image mount",
            "itself instead. If cfsj is killed (kill -9), the next oci run unmounts and",
            "removes what it left, once the runtime no longer knows the container.",
            "",
            "On hosts with the hybrid cgroup layout (v1 controllers plus a v2 hierarchy with",
            "controllers at /sys/fs/cgroup/unified), crun 1.8 refuses to start ('cgroups in",
            "hybrid mode not supported'). --hide-cgroup-v2-controllers runs crun in a",
            "private mount namespace (unshare -m) in which /dev/null covers",
            "/sys/fs/cgroup/unified/cgroup.controllers; the host is not changed.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"N:the container's exit status", "1:also: cfsj could not set up or run the container (message on stderr)",
                "2:also: invalid usage"})
final class OciRunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    MountChoice mount = new MountChoice();

    @Option(names = "--runtime", paramLabel = "PATH", description = "The OCI runtime (default: crun on PATH), e.g. runc.")
    String runtime;

    @Option(names = "--hide-cgroup-v2-controllers",
            description = "Run the runtime in a private mount namespace that hides the cgroup v2 controllers (crun 1.8 on a hybrid cgroup host).")
    boolean hideCgroupV2Controllers;

    @Option(names = {"-t", "--tty"}, negatable = true,
            description = "Give the container a terminal (default: when stdin is a terminal).")
    Boolean tty;

    @Option(names = "--network", paramLabel = "none|host", defaultValue = "none", converter = NetworkConverter.class,
            description = "none (default): a network namespace of its own (loopback only); host: share the host's.")
    Network network;

    @Option(names = "--no-service",
            description = "Mount the image in this process even when cfsj serve is running (with a service, the"
                    + " container's root comes from it: its FUSE server for the image is shared by every container of it).")
    boolean noService;

    @Option(names = "--read-only",
            description = "Run on the read-only image mount (default: a writable overlay whose changes are thrown away on exit).")
    boolean readOnly;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tag or manifest digest (sha256:…).")
    String name;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "After '--': the command to run instead of the image's Cmd.")
    List<String> command = new ArrayList<>();

    /** What has been set up so far, torn down once by whoever gets there first (the command or the shutdown hook). */
    private static final class Teardown {
        ContainerRecord record;
        Path bundle;
        ContainerRoot root;
        boolean done;

        synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            if (root != null && !root.undo()) {
                return; // never delete a directory that may still have the image mounted in it
            }
            try {
                if (bundle != null) {
                    Files.deleteIfExists(bundle.resolve("config.json"));
                    Files.deleteIfExists(bundle.resolve("rootfs"));
                    Files.deleteIfExists(bundle);
                }
                record.remove();
            } catch (IOException e) {
                System.err.println("cfsj oci run: removing the bundle " + bundle + " failed: " + Errors.message(e));
            } finally {
                try {
                    record.close();
                } catch (IOException e) {
                    // the lock goes with the process anyway
                }
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        mount.validate(spec.commandLine());
        if (!EffectiveUser.isRoot()) {
            // crun as another user would need a rootless setup (user namespace, no allow_other
            // mount of the image): not supported, so say so before mounting anything
            throw new IOException("cfsj oci run needs root (try: sudo ./cfsj oci run ...): the image is mounted with"
                    + " allow_other,suid,dev for crun, which runs the container as root");
        }
        OciRuntime rt = OciRuntime.find(Optional.ofNullable(runtime), hideCgroupV2Controllers);
        Repository repo = RepoOption.open();
        StoredImage image = StoredImage.resolve(repo, name);
        boolean terminal = tty != null ? tty : ForegroundRun.stdinIsTerminal();
        String id = "cfsj-" + HexFormat.of().formatHex(randomBytes());

        Teardown teardown = new Teardown();
        // sweeps what killed runs left behind, then records this one, so that a later run can do the same
        teardown.record = ContainerRecord.create(id, rt);
        Thread hook = new Thread(teardown::run, "cfsj-oci-run-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            // 0700 (explicitly, though the JDK's default is the same): the root filesystem is mounted
            // suid,dev in it, which is safe only where no other user can walk in
            teardown.bundle = Files.createTempDirectory(ContainerRecord.BUNDLE_PREFIX,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            teardown.record.recordBundle(teardown.bundle);
            Path rootfs = Files.createDirectory(teardown.bundle.resolve("rootfs"));
            // suid,dev: the bundle directory is root's alone (0700), and setuid binaries must work in the container
            MountOptions options = mount.options(repo, true).toBuilder().quiet(true).build();
            ContainerRoot root = new ContainerRoot(rootfs, teardown.record.directory());
            synchronized (teardown) {
                teardown.root = root;
            }
            Optional<ServiceClient> service = noService ? Optional.empty() : ServiceClient.connect();
            if (service.isPresent()) {
                try (ServiceClient client = service.get()) {
                    root.mountThroughService(client, repo.root(), name, mount.serviceOptions(true), !readOnly);
                }
            } else {
                root.mount(image.imageFile(), repo.objects().dir(), mount.kernel, options, !readOnly);
            }
            image.writeRuntimeConfig(teardown.bundle, command, terminal, network, id, readOnly)
                    .forEach(w -> System.err.println("cfsj oci run: warning: " + w));
            int status = ForegroundRun.run(rt, teardown.bundle, id);
            if (status != 0 && !hideCgroupV2Controllers && CgroupLayout.isHybridWithV2Controllers()) {
                System.err.println("cfsj oci run: note: this host has the hybrid cgroup layout, which crun 1.8 refuses"
                        + " ('cgroups in hybrid mode not supported'); if that is the message above, add --hide-cgroup-v2-controllers");
            }
            return status;
        } finally {
            teardown.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: teardown is idempotent
            }
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[6];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }
}
