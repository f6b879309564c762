package org.cfsj.it.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.cfsj.testsupport.Command;

/**
 * A hostile image as an attacker would ship it: the host's {@code id} (with the shared
 * libraries it needs, so it runs in a container too) made setuid root as {@code /usr/bin/id}, a
 * world-writable device node (char 1,3, mode 0666) at {@code /dev/cfsj-null}, an unprivileged
 * user {@code app} (uid 1234) as the image's User, the directories a runtime mounts over, and
 * busybox's shell and sleep when busybox-static is installed. Tarred with GNU tar and written
 * into an OCI image layout by hand ({@link OciLayout}), so nothing of it comes from cfsj's own code.
 */
final class SetuidImage {
    static final String ID = "/usr/bin/id";
    static final String DEVICE = "/dev/cfsj-null";
    static final String TAG = "suid";
    static final Path BUSYBOX = Path.of("/bin/busybox");

    /** Where the tree is, its layer tar and the layout. */
    record Built(Path rootfs, Path layout, boolean hasShell) {}

    private SetuidImage() {}

    static Built build(Path work) throws IOException, InterruptedException {
        Path root = work.resolve("rootfs");
        for (String d : new String[] {"bin", "usr/bin", "etc", "proc", "sys", "dev", "tmp", "root", "home/app"}) {
            Files.createDirectories(root.resolve(d));
        }
        copyWithLibraries(Path.of(ID), root);
        Command.of("chown", "0:0", root.resolve(ID.substring(1)).toString()).check();
        Command.of("chmod", "4755", root.resolve(ID.substring(1)).toString()).check();
        Command.of("mknod", "-m", "0666", root.resolve(DEVICE.substring(1)).toString(), "c", "1", "3").check();
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1234:1234:app:/home/app:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1234:\n");
        boolean shell = Files.isExecutable(BUSYBOX)
                && Command.of(java.util.List.of("ldd", BUSYBOX.toString())).timeoutSeconds(30).run().exit() != 0; // static: runs without a libc
        if (shell) {
            Files.copy(BUSYBOX, root.resolve("bin/busybox"));
            Command.of("chmod", "0755", root.resolve("bin/busybox").toString()).check();
            for (String applet : new String[] {"sh", "sleep", "cat", "grep"}) {
                Files.createSymbolicLink(root.resolve("bin/" + applet), Path.of("/bin/busybox"));
            }
        }
        Command.of("chmod", "1777", root.resolve("tmp").toString()).check();
        Path tar = work.resolve("layer.tar");
        Command.of("tar", "--format=pax", "--numeric-owner", "--sort=name", "-C", root.toString(), "-cf", tar.toString(), ".").check();
        Path layout = work.resolve("layout");
        OciLayout.write(layout, tar, TAG, "{\"User\":\"app\",\"Cmd\":[\"" + ID + "\"]}");
        return new Built(root, layout, shell);
    }

    /** Copies {@code binary} and every library {@code ldd} names for it (and the dynamic loader) to the same paths under {@code root}. */
    private static void copyWithLibraries(Path binary, Path root) throws IOException, InterruptedException {
        copyTo(binary, root);
        for (String line : Command.of("ldd", binary.toString()).check().split("\n")) {
            String l = line.strip();
            String lib = l.contains("=>") ? l.substring(l.indexOf("=>") + 2).strip() : l;
            int paren = lib.indexOf(" (");
            lib = paren >= 0 ? lib.substring(0, paren) : lib;
            if (lib.startsWith("/")) {
                copyTo(Path.of(lib), root);
            }
        }
    }

    private static void copyTo(Path file, Path root) throws IOException {
        Path dest = root.resolve(file.toString().substring(1));
        Files.createDirectories(dest.getParent());
        if (!Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            Files.copy(file, dest); // follows symlinks: the library itself under the name the loader asks for
        }
    }
}
