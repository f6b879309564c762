package org.cfsj.oci.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recognises the "hybrid" cgroup layout (cgroup v1 controllers under {@code /sys/fs/cgroup},
 * cgroup v2 at {@code /sys/fs/cgroup/unified} with controllers enabled), which crun 1.8 refuses
 * ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"), even with
 * {@code --cgroup-manager=disabled}.
 */
public final class CgroupLayout {
    static final Path UNIFIED_CONTROLLERS = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");

    private CgroupLayout() {}

    /** True if {@code /sys/fs/cgroup/unified} is a cgroup v2 mount with at least one controller. */
    public static boolean isHybridWithV2Controllers() {
        try {
            return Files.isRegularFile(UNIFIED_CONTROLLERS)
                    && !Files.readString(UNIFIED_CONTROLLERS, StandardCharsets.US_ASCII).isBlank();
        } catch (IOException e) {
            return false;
        }
    }
}
