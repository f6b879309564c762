package org.cfsj.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.cfsj.mount.MountOptions;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --fuse[=passthrough] | --kernel}, {@code --insecure}: how {@code cfsj oci bundle} and
 * {@code cfsj oci run} mount an image for a container (FUSE unless {@code --kernel}), turned into
 * {@link MountOptions} for a repository's image.
 */
final class MountChoice {
    @Option(names = "--fuse", arity = "0..1", paramLabel = "passthrough", parameterConsumer = FuseMode.class,
            description = "Serve with cfsj's FUSE server (the default); --fuse=passthrough lets the kernel read file data directly.")
    String fuse;

    @Option(names = "--kernel", description = "Mount with the kernel (EROFS + overlayfs) instead of FUSE.")
    boolean kernel;

    @Option(names = "--insecure",
            description = "Mount although objects are not checked against their fs-verity digests"
                    + " (--kernel without kernel fs-verity; with FUSE: skip the server's checks).")
    boolean insecure;

    /**
     * {@code --fuse} takes a value only if it is "passthrough": picocli's optional values would
     * otherwise swallow the image name in {@code --fuse NAME ...}.
     */
    static final class FuseMode implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(java.util.Stack<String> args, CommandLine.Model.ArgSpec argSpec,
                CommandLine.Model.CommandSpec commandSpec) {
            boolean passthrough = !args.isEmpty() && args.peek().equals("passthrough");
            if (passthrough) {
                args.pop();
            }
            argSpec.setValue(passthrough ? "passthrough" : "on");
        }
    }

    /** Refuses a {@code --fuse} value other than "passthrough" (a usage error). */
    static void validateFuse(CommandLine cl, String fuse) {
        if (fuse != null && !fuse.equals("on") && !fuse.equals("passthrough")) {
            throw new CommandLine.ParameterException(cl, "--fuse takes no value or 'passthrough', not '" + fuse + "'");
        }
    }

    void validate(CommandLine cl) {
        validateFuse(cl, fuse);
        if (kernel && fuse != null) {
            throw new CommandLine.ParameterException(cl, "--kernel and --fuse exclude each other");
        }
    }

    boolean passthrough() {
        return "passthrough".equals(fuse);
    }

    /** This choice as the options of the service's {@code OciMount}. */
    ObjectNode serviceOptions(boolean allowSuidDev) {
        return ServiceClient.mountOptions(!kernel, passthrough(), insecure, allowSuidDev);
    }

    String describe() {
        return kernel ? "kernel: EROFS + overlayfs" : passthrough() ? "FUSE with passthrough" : "FUSE";
    }

    /**
     * The options for mounting an image of {@code repo}: objects checked by the kernel where the
     * repository has kernel fs-verity, else by the FUSE server; a kernel mount without kernel
     * fs-verity is refused unless {@code --insecure}.
     *
     * @param allowSuidDev the image's setuid files and device nodes work (a root filesystem no other user can reach)
     */
    MountOptions options(Repository repo, boolean allowSuidDev) throws IOException {
        if (kernel && !repo.kernelVerity() && !insecure) {
            throw new RepositoryException("the repository's objects are not protected by kernel fs-verity, so a kernel"
                    + " mount could not notice a changed object; pass --insecure to mount with the kernel anyway, or use"
                    + " FUSE (the default), whose server checks every object's digest itself");
        }
        return MountOptions.builder()
                .allowSuidDev(allowSuidDev)
                .insecure(insecure)
                .requireVerity(repo.kernelVerity())
                .passthrough(passthrough())
                .digestLedger(repo.objects().ledgerPath())
                .build();
    }
}
