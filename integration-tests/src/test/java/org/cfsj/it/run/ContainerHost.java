package org.cfsj.it.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the container tests need to know about this host: its cgroup layout and its mounts. */
final class ContainerHost {
    private ContainerHost() {}

    /**
     * crun 1.8 refuses this VM's hybrid cgroup layout (v2 controllers enabled at
     * /sys/fs/cgroup/unified); {@code cfsj oci run --hide-cgroup-v2-controllers} hides them from
     * crun in a private mount namespace. Given only where it is needed.
     */
    static List<String> cgroupWorkaround() throws IOException {
        Path controllers = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
        return Files.isRegularFile(controllers) && !Files.readString(controllers).isBlank()
                ? List.of("--hide-cgroup-v2-controllers") : List.of();
    }

    /** Where {@code cfsj oci run} (as root) keeps the writable layers of running containers. */
    static final Path WRITABLE_LAYERS = Path.of("/run/cfsj/containers");

    /** The writable layers of containers of {@code cfsj oci run} that exist now. */
    static List<String> writableLayers() throws IOException {
        if (!Files.isDirectory(WRITABLE_LAYERS)) {
            return List.of();
        }
        try (var s = Files.list(WRITABLE_LAYERS)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("cfsj-")).sorted().toList();
        }
    }

    /** Mount points whose path contains {@code fragment}, from /proc/self/mounts. */
    static List<String> mountsContaining(String fragment) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.contains(fragment)).toList();
    }
}
