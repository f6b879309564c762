package org.cfsj.oci.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything config.json says about one container, decided: the command line, environment,
 * working directory, user, terminal, network and host name.
 */
public record ContainerSettings(List<String> args, List<String> env, String cwd, ProcessUser user, boolean terminal,
        Network network, String hostname) {
    /** PATH when the image sets none: the one Docker and Podman use. */
    public static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public ContainerSettings {
        args = List.copyOf(args);
        env = List.copyOf(env);
    }

    /**
     * Settings for running {@code image}: args from Entrypoint + Cmd (or + {@code override}), the
     * image's Env plus PATH, HOME (from the user's passwd entry) and, with a terminal, TERM when
     * the image sets none of them, WorkingDir (default {@code /}), User resolved against the image's
     * {@code /etc/passwd} and {@code /etc/group}.
     *
     * @throws BundleException if there is nothing to run or the user cannot be resolved
     */
    public static ContainerSettings forImage(ImageProcess image, UserDatabase users, List<String> override,
            boolean terminal, Network network, String hostname) throws BundleException {
        List<String> args = image.args(override);
        if (args.isEmpty()) {
            throw new BundleException("the image sets neither Entrypoint nor Cmd; give the command to run after '--'");
        }
        ProcessUser user = ProcessUser.resolve(image.user(), users);
        List<String> env = new ArrayList<>(image.env());
        if (!hasVariable(env, "PATH")) {
            env.add(DEFAULT_PATH);
        }
        if (!hasVariable(env, "HOME")) {
            env.add("HOME=" + user.home().orElse("/"));
        }
        if (terminal && !hasVariable(env, "TERM")) {
            env.add("TERM=xterm");
        }
        String cwd = image.workingDir().isEmpty() ? "/" : image.workingDir();
        if (!cwd.startsWith("/")) {
            cwd = "/" + cwd; // Docker treats a relative WorkingDir as relative to /
        }
        return new ContainerSettings(args, env, cwd, user, terminal, network, hostname);
    }

    private static boolean hasVariable(List<String> env, String name) {
        return env.stream().anyMatch(e -> e.startsWith(name + "="));
    }
}
