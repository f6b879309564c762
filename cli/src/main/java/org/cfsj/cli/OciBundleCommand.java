package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.cfsj.mount.BackgroundServer;
import org.cfsj.mount.KernelComposefsMount;
import org.cfsj.mount.MountOptions;
import org.cfsj.mount.Unmount;
import org.cfsj.oci.runtime.Network;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.repo.Repository;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj oci bundle NAME DIR}: an OCI runtime bundle for a stored image: the image mounted
 * read-only at {@code DIR/rootfs} (by a background FUSE server, or by the kernel) and
 * {@code DIR/config.json} made from the image config.
 *
 * <p>The root filesystem is mounted {@code suid,dev} (as root) only where no other user can reach
 * it ({@link BundleDirectory}): a missing DIR is created 0700; in an existing DIR that others can
 * enter it is mounted {@code nosuid,nodev} with one warning, and a DIR that others could write to
 * or replace is refused.
 */
@Command(name = "bundle", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Make an OCI runtime bundle of an image in DIR.",
            "",
            "The image is mounted read-only at DIR/rootfs, and DIR/config.json is written:",
            "Entrypoint + Cmd, Env, WorkingDir, User (looked up in the image's /etc/passwd",
            "and /etc/group) from the image config; read-only root; /proc, /dev, /dev/pts,",
            "/dev/shm, /dev/mqueue, /sys; the default capabilities of runc/crun/Docker; pid,",
            "ipc, uts, mount and network namespaces.",
            "",
            "A background cfsj FUSE server serves the mount (allow_other), or with --kernel",
            "the kernel (EROFS + overlayfs). Run the bundle with 'crun run --bundle DIR ID';",
            "clean up with 'cfsj umount DIR/rootfs'.",
            "",
            "As root, the image's setuid files and device nodes work in the container",
            "(suid,dev) only if no other user can reach DIR/rootfs: a missing DIR is created",
            "with mode 0700; in an existing DIR that other users can enter, the root",
            "filesystem is mounted nosuid,nodev with a warning (chmod 700 DIR to avoid it).",
            "A DIR that other users can write to or own is refused.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the bundle is ready", "1:mounting or writing the bundle failed", "2:invalid usage"})
final class OciBundleCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tag or manifest digest (sha256:…).")
    String name;

    @Parameters(index = "1", paramLabel = "DIR", description = "Bundle directory (created with mode 0700 if missing; DIR/rootfs must be empty).")
    Path dir;

    @CommandLine.Mixin
    MountChoice mount = new MountChoice();

    @Option(names = "--no-service", description = "Mount in this command (a background server of its own) even when"
            + " cfsj serve is running; with a service, the service serves the image, shared with its other mounts.")
    boolean noService;

    @Option(names = {"-t", "--tty"}, description = "Give the container a terminal (process.terminal).")
    boolean tty;

    @Option(names = "--network", paramLabel = "none|host", defaultValue = "none", converter = NetworkConverter.class,
            description = "none (default): a network namespace of its own (loopback only); host: share the host's.")
    Network network;

    @Option(names = "--hostname", paramLabel = "NAME", description = "The container's host name (default: cfsj).")
    String hostname = "cfsj";

    @Parameters(index = "2..*", paramLabel = "CMD", description = "After '--': the command to run instead of the image's Cmd.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        mount.validate(spec.commandLine());
        Repository repo = RepoOption.open();
        StoredImage image = StoredImage.resolve(repo, name);
        BundleDirectory bundle = BundleDirectory.prepare(dir);
        Path rootfs = bundle.rootfs();
        // setuid files and device nodes of an untrusted image only where no other user can get at them
        boolean root = EffectiveUser.isRoot();
        if (root && bundle.reachableByOthers()) {
            System.err.println("cfsj oci bundle: warning: " + bundle.nosuidWarning());
        }
        MountOptions options = mount.options(repo, root && !bundle.reachableByOthers());
        Optional<ServiceClient> service = noService ? Optional.empty() : ServiceClient.connect();
        if (service.isPresent()) {
            try (ServiceClient client = service.get()) {
                client.ociMount(repo.root(), name, mount.serviceOptions(options.allowSuidDev()), rootfs);
            }
        } else if (mount.kernel) {
            KernelComposefsMount.mount(image.imageFile(), repo.objects().dir(), rootfs, options);
        } else {
            BackgroundServer.start(image.imageFile(), repo.objects().dir(), rootfs, options, System.err);
        }
        try {
            image.writeRuntimeConfig(bundle.dir(), command, tty, network, hostname)
                    .forEach(w -> System.err.println("cfsj oci bundle: warning: " + w));
        } catch (IOException | RuntimeException e) {
            Unmount.unmount(rootfs, true); // either kind of mount; a FUSE server then exits
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("bundle " + dir + ": " + name + " mounted at " + rootfs + " (" + mount.describe() + "), config.json written");
        out.println("run it:    crun run --bundle " + dir + " <container-id>");
        out.println("clean up:  cfsj umount " + rootfs);
        out.flush();
        return 0;
    }
}
