package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cfsj.oci.image.ImageBuilder;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import org.cfsj.oci.mount.KernelComposefsMount;
import org.cfsj.oci.runtime.ContainerSettings;
import org.cfsj.oci.runtime.ImageProcess;
import org.cfsj.oci.runtime.Network;
import org.cfsj.oci.runtime.RuntimeConfig;
import org.cfsj.oci.runtime.UserDatabase;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code cfsj oci bundle NAME DIR}: an OCI runtime bundle for a stored image: the image mounted
 * read-only at {@code DIR/rootfs} (by a background FUSE server, or by the kernel) and
 * {@code DIR/config.json} made from the image config. Also holds what {@code cfsj oci run}
 * shares with it: choosing the image file, the mount mode and writing config.json.
 *
 * <p>The root filesystem is mounted {@code suid,dev} (as root) only where no other user can reach
 * it ({@link BundleDirectory}): a missing DIR is created 0700; in an existing DIR that others can
 * enter it is mounted {@code nosuid,nodev} with one warning, and a DIR that others could write to
 * or replace is refused.
 */
@Command(name = "bundle", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Make an OCI runtime bundle of an image: mount it read-only at DIR/rootfs and",
            "write DIR/config.json: Entrypoint + Cmd, Env, WorkingDir, User (looked up in",
            "the image's /etc/passwd and /etc/group) from the image config; read-only root;",
            "/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys; the default capabilities",
            "of runc/crun/Docker; pid, ipc, uts, mount and network namespaces.",
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

    @Option(names = {"-t", "--tty"}, description = "Give the container a terminal (process.terminal).")
    boolean tty;

    @Option(names = "--network", paramLabel = "none|host", defaultValue = "none", converter = NetworkConverter.class,
            description = "none (default): a network namespace of its own (loopback only); host: share the host's.")
    Network network;

    @Option(names = "--hostname", paramLabel = "NAME", description = "The container's host name (default: cfsj).")
    String hostname = "cfsj";

    @Parameters(index = "2..*", paramLabel = "CMD", description = "After '--': the command to run instead of the image's Cmd.")
    List<String> command = new ArrayList<>();

    /** {@code --fuse[=passthrough] | --kernel}, {@code --insecure}: how the image is mounted. */
    static final class MountChoice {
        @Option(names = "--fuse", arity = "0..1", paramLabel = "passthrough", parameterConsumer = OciMountCommand.FuseMode.class,
                description = "Serve with cfsj's FUSE server (the default); --fuse=passthrough lets the kernel read file data directly.")
        String fuse;

        @Option(names = "--kernel", description = "Mount with the kernel (EROFS + overlayfs) instead of FUSE.")
        boolean kernel;

        @Option(names = "--insecure",
                description = "Mount although objects are not checked against their fs-verity digests"
                        + " (--kernel without kernel fs-verity; with FUSE: skip the server's checks).")
        boolean insecure;

        void validate(CommandLine cl) {
            if (fuse != null && !fuse.equals("on") && !fuse.equals("passthrough")) {
                throw new CommandLine.ParameterException(cl, "--fuse takes no value or 'passthrough', not '" + fuse + "'");
            }
            if (kernel && fuse != null) {
                throw new CommandLine.ParameterException(cl, "--kernel and --fuse exclude each other");
            }
        }

        boolean passthrough() {
            return "passthrough".equals(fuse);
        }

        String describe() {
            return kernel ? "kernel: EROFS + overlayfs" : passthrough() ? "FUSE with passthrough" : "FUSE";
        }
    }

    static final class NetworkConverter implements CommandLine.ITypeConverter<Network> {
        @Override
        public Network convert(String value) {
            return switch (value) {
                case "none" -> Network.NONE;
                case "host" -> Network.HOST;
                default -> throw new CommandLine.TypeConversionException("expected none or host, not '" + value + "'");
            };
        }
    }

    @Override
    public Integer call() throws Exception {
        mount.validate(spec.commandLine());
        Repository repo = RepoOption.open();
        OciImage image = OciImages.resolve(repo, name);
        Path imageFile = imageFile(repo, image, name);
        BundleDirectory bundle = BundleDirectory.prepare(dir);
        Path rootfs = bundle.rootfs();
        // setuid files and device nodes of an untrusted image only where no other user can get at them
        boolean allowSuidDev = isRoot() && !bundle.reachableByOthers();
        if (isRoot() && bundle.reachableByOthers()) {
            System.err.println("cfsj oci bundle: warning: " + bundle.nosuidWarning());
        }
        if (mount.kernel) {
            mountKernel(repo, imageFile, rootfs, mount.insecure, allowSuidDev);
        } else {
            mountFuseInBackground(repo, imageFile, rootfs, mount, allowSuidDev);
        }
        try {
            RuntimeConfig config = writeConfig(image, bundle.dir(), command, tty, network, hostname);
            config.warnings().forEach(w -> System.err.println("cfsj oci bundle: warning: " + w));
        } catch (IOException | RuntimeException e) {
            KernelComposefsMount.unmount(rootfs, true); // either kind of mount; the FUSE server then exits
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("bundle " + dir + ": " + name + " mounted at " + rootfs + " (" + mount.describe() + "), config.json written");
        out.println("run it:    crun run --bundle " + dir + " <container-id>");
        out.println("clean up:  cfsj umount " + rootfs);
        out.flush();
        return 0;
    }

    /** The composefs image file of {@code image}, built first if it has none yet. */
    static Path imageFile(Repository repo, OciImage image, String name) throws IOException {
        ObjectId id = image.imageId().isPresent() ? image.imageId().get() : ImageBuilder.createImage(repo, image.manifestDigest());
        return repo.objects().verifiedPath(id, "composefs image " + id.hex() + " of " + name);
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * The kernel composefs mount, refused without kernel fs-verity unless {@code insecure};
     * {@code suid,dev} only with {@code allowSuidDev} (a root filesystem no other user can reach).
     */
    static void mountKernel(Repository repo, Path imageFile, Path rootfs, boolean insecure, boolean allowSuidDev)
            throws IOException {
        boolean verity = repo.kernelVerity();
        if (!verity && !insecure) {
            throw new RepositoryException("the repository's objects are not protected by kernel fs-verity, so a kernel"
                    + " mount could not notice a changed object; pass --insecure to mount with the kernel anyway, or use"
                    + " FUSE (the default), whose server checks every object's digest itself");
        }
        KernelComposefsMount.mount(imageFile, repo.objectsDir(), rootfs, verity, allowSuidDev);
    }

    /** {@code cfsj fuse-serve --background} in this JVM: it detaches a server and returns once the mount is live. */
    private static void mountFuseInBackground(Repository repo, Path imageFile, Path rootfs, MountChoice mount,
            boolean allowSuidDev) throws IOException {
        List<String> args = new ArrayList<>(List.of("fuse-serve", imageFile.toString(), rootfs.toString(),
                "--basedir", repo.objectsDir().toString(), "--background", "--digest-ledger", repo.digestLedgerPath().toString()));
        if (mount.passthrough()) {
            args.add("--passthrough");
        }
        if (mount.insecure) {
            args.add("--insecure");
        }
        if (allowSuidDev) {
            args.add("--allow-suid-dev"); // setuid binaries and device nodes of the image must work in a container
        }
        if (Main.run(args.toArray(String[]::new)) != 0) {
            throw new IOException("mounting " + rootfs + " failed (see the message above)");
        }
    }

    /**
     * Writes {@code bundle/config.json} for {@code image}, whose root filesystem is mounted at
     * {@code bundle/rootfs} (its {@code /etc/passwd} and {@code /etc/group} are read from there).
     */
    static RuntimeConfig writeConfig(OciImage image, Path bundle, List<String> command, boolean terminal, Network network,
            String hostname) throws IOException {
        Path rootfs = bundle.resolve("rootfs");
        ImageProcess process = ImageProcess.fromImageConfig(image.config());
        ContainerSettings settings = ContainerSettings.forImage(process, UserDatabase.read(rootfs), command, terminal,
                network, hostname);
        RuntimeConfig config = RuntimeConfig.build(settings, rootfs);
        config.write(bundle);
        return config;
    }
}
