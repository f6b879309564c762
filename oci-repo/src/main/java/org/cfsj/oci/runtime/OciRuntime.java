package org.cfsj.oci.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The OCI runtime binary (crun by default, or any runtime with the runc command line, such as
 * runc) and the command lines cfsj runs it with.
 *
 * <p>{@code hideCgroupV2Controllers} is the workaround for crun 1.8 on a hybrid cgroup host (see
 * {@link CgroupLayout}): crun runs in a private mount namespace of its own ({@code unshare -m
 * --propagation private}) in which {@code /sys/fs/cgroup/unified/cgroup.controllers} is covered
 * by a bind mount of {@code /dev/null}, so crun sees a v2 hierarchy without controllers and
 * uses the v1 ones. Nothing changes for the rest of the host.
 */
public record OciRuntime(Path executable, boolean hideCgroupV2Controllers) {
    public static final String DEFAULT = "crun";
    static final String UNSHARE = "unshare";

    /**
     * Finds the runtime: {@code explicit} if given (a path, or a name looked up on PATH), else
     * crun on PATH.
     *
     * @throws BundleException with what to install when it is missing
     */
    public static OciRuntime find(Optional<String> explicit, boolean hideCgroupV2Controllers) throws BundleException {
        String name = explicit.orElse(DEFAULT);
        Optional<Path> exe = name.contains("/") ? Optional.of(Path.of(name)).filter(Files::isExecutable) : onPath(name);
        if (exe.isEmpty()) {
            throw new BundleException(explicit.isPresent()
                    ? "OCI runtime " + name + " not found or not executable"
                    : "crun, the OCI runtime cfsj runs containers with, is not installed: on Debian/Ubuntu 'apt-get install"
                            + " crun' (Fedora: 'dnf install crun'), or pass --runtime PATH for another runtime such as runc");
        }
        if (hideCgroupV2Controllers && onPath(UNSHARE).isEmpty()) {
            throw new BundleException("--hide-cgroup-v2-controllers needs unshare (util-linux) on PATH");
        }
        return new OciRuntime(exe.get(), hideCgroupV2Controllers);
    }

    static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** {@code RUNTIME run --bundle DIR ID}, wrapped in the cgroup workaround when asked for. */
    public List<String> runCommand(Path bundle, String containerId) {
        return wrapped(List.of(executable.toString(), "run", "--bundle", bundle.toString(), containerId));
    }

    /** {@code RUNTIME delete --force ID}: removes what a killed runtime left behind. */
    public List<String> deleteCommand(String containerId) {
        return wrapped(List.of(executable.toString(), "delete", "--force", containerId));
    }

    /** {@code RUNTIME state ID}: succeeds while the runtime knows the container. */
    public List<String> stateCommand(String containerId) {
        return List.of(executable.toString(), "state", containerId);
    }

    private List<String> wrapped(List<String> command) {
        if (!hideCgroupV2Controllers) {
            return command;
        }
        // unshare execs sh, which execs the runtime: the PID we start stays the runtime's PID
        List<String> out = new ArrayList<>(List.of(UNSHARE, "-m", "--propagation", "private", "sh", "-c",
                "mount --bind /dev/null " + CgroupLayout.UNIFIED_CONTROLLERS + " && exec \"$0\" \"$@\""));
        out.addAll(command);
        return out;
    }
}
