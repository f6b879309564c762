package org.cfsj.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.cfsj.fuse.FuseMount;
import org.cfsj.mount.BackgroundServer;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.mount.KernelComposefsMount;
import org.cfsj.mount.MountOptions;
import org.cfsj.oci.image.OciImages;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj oci mount [--fuse[=passthrough]] NAME MOUNTPOINT}: mounts a stored image read-only,
 * with cfsj's FUSE server or with the kernel (EROFS + overlayfs). {@code cfsj umount} undoes
 * either. The mount is always {@code nosuid,nodev}: every local user can walk into it, and an
 * image's setuid files and device nodes must not give them privileges on the host (a container
 * that needs them gets its root filesystem from {@code cfsj oci bundle} or {@code oci run}).
 */
@Command(name = "mount", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Mount an image's composefs tree read-only at MOUNTPOINT, and return once live.",
            "",
            "Without --fuse, the kernel mounts it: the EROFS image file-backed, then",
            "overlayfs with the repository's objects as a data-only layer",
            "(ro,metacopy=on,redirect_dir=on,lowerdir=IMG::OBJECTS), with verity=require",
            "when the repository has kernel fs-verity. With --fuse, cfsj's FUSE server",
            "serves it (cfsj fuse-serve), in the background unless --foreground. cfsj umount",
            "MOUNTPOINT unmounts either.",
            "",
            "When cfsj serve answers on its socket ($CFSJ_SOCKET, else /run/cfsj/cfsj.sock as",
            "root), the service makes the mount (every FUSE mount of an image then shares one",
            "server and its page cache); --no-service, --foreground, or no service: this",
            "command mounts by itself. Either way the result and the exit status are the same.",
            "",
            "The mount is nosuid,nodev: other users can read it, and an image's setuid files",
            "and device nodes must not give them root. For a container that needs them, use",
            "cfsj oci bundle or cfsj oci run, which mount where only root can reach.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:mounted (with --foreground: served and unmounted)", "1:mounting failed", "2:invalid usage"})
final class OciMountCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tag or manifest digest (sha256:…).")
    String name;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing directory.")
    Path mountpoint;

    @Option(names = "--fuse", arity = "0..1", paramLabel = "passthrough", parameterConsumer = MountChoice.FuseMode.class,
            description = "Serve with cfsj's FUSE server; --fuse=passthrough lets the kernel read file data directly.")
    String fuse;

    @Option(names = "--foreground", description = "With --fuse: serve in this process until unmounted.")
    boolean foreground;

    @Option(names = "--no-service", description = "Mount by this command even when cfsj serve is running.")
    boolean noService;

    @Option(names = "--insecure",
            description = "Mount although objects cannot be checked against their fs-verity digests by the kernel"
                    + " (kernel mount without kernel fs-verity; with --fuse: skip the server's own checks).")
    boolean insecure;

    @Override
    public Integer call() throws Exception {
        MountChoice.validateFuse(spec.commandLine(), fuse);
        if (foreground && fuse == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--foreground applies to --fuse (a kernel mount needs no process)");
        }
        Repository repo = RepoOption.open();
        Path target = FuseMount.checkMountpoint(mountpoint); // the same words for both kinds of mount
        OciImages.resolve(repo, name); // a missing name, said the same way whoever mounts
        if (fuse == null && !repo.kernelVerity() && !insecure) {
            throw new RepositoryException("the repository's objects are not protected by kernel fs-verity (" + repo.root()
                    + " is on a filesystem or kernel without it), so the kernel mount could not notice a changed object"
                    + " and would serve its bytes; pass --insecure to mount anyway, or use --fuse, whose server checks"
                    + " every object's digest itself");
        }
        if (!noService && !foreground) {
            Optional<ServiceClient> service = ServiceClient.connect();
            if (service.isPresent()) {
                try (ServiceClient client = service.get()) {
                    // nosuid,nodev: every local user can walk into this mount
                    client.ociMount(repo.root(), name, ServiceClient.mountOptions(fuse != null, "passthrough".equals(fuse),
                            insecure, false), target);
                }
                return 0;
            }
        }
        Path imageFile = StoredImage.resolve(repo, name).imageFile();
        // nosuid,nodev (allowSuidDev stays off): every local user can walk into this mount
        MountOptions options = MountOptions.builder()
                .insecure(insecure)
                .requireVerity(repo.kernelVerity())
                .passthrough("passthrough".equals(fuse))
                .digestLedger(repo.objects().ledgerPath())
                .build();
        if (fuse == null) {
            KernelComposefsMount.mount(imageFile, repo.objects().dir(), mountpoint, options);
        } else if (foreground) {
            ComposefsServer.start(imageFile, repo.objects().dir(), mountpoint, options).serveUntilUnmounted();
        } else {
            BackgroundServer.start(imageFile, repo.objects().dir(), mountpoint, options, System.err);
        }
        return 0;
    }
}
