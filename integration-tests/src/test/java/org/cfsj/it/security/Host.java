package org.cfsj.it.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;

/**
 * The host as the security tests see it: whether they can mount and act as the unprivileged user
 * {@code nobody}, shell lines run as nobody, and the mount table.
 */
final class Host {
    static final int NOBODY = Command.NOBODY;

    private Host() {}

    /** Skips unless the tests can mount (root, /dev/fuse) and act as nobody (setpriv). */
    static void requireRootFuseAndNobody() {
        Assumptions.assumeTrue(Command.isRoot(), "SKIPPED: these tests mount as root and attack as nobody: run the suite as root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: /dev/fuse is missing");
        Assumptions.assumeTrue(Command.onPath("setpriv"), "SKIPPED: setpriv (util-linux) is not installed");
    }

    /**
     * A shell command line run as nobody. Through {@code sh -c}: setpriv itself execs its
     * command before all of root's privileges are gone, so a path given to it directly is walked
     * with root's rights.
     */
    static Result asNobody(String shellCommand) throws IOException, InterruptedException {
        return Command.shell(shellCommand).asUser(NOBODY, NOBODY).timeoutSeconds(60).run();
    }

    /** The /proc/self/mountinfo line of the mount at exactly {@code dir}, or null. */
    static String mountinfo(Path dir) throws IOException {
        String line = null;
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = l.split(" ");
            if (f.length > 4 && f[4].equals(dir.toString())) {
                line = l;
            }
        }
        return line;
    }

    /** The per-mount options of a mountinfo line (field 6), e.g. {@code ro,nosuid,nodev,relatime}. */
    static List<String> mountOptions(String mountinfoLine) {
        return List.of(mountinfoLine.split(" ")[5].split(","));
    }

    /** Unmounts whatever is still mounted at {@code dir} (lazily), for cleanup after a failed test. */
    static void forceUnmount(Path dir) throws IOException, InterruptedException {
        while (mountinfo(dir) != null) {
            if (Command.of("umount", "-l", dir.toString()).timeoutSeconds(60).run().exit() != 0) {
                return;
            }
        }
    }
}
