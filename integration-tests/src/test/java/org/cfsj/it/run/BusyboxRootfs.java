package org.cfsj.it.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Random;
import org.cfsj.testsupport.Command;

/**
 * A small root filesystem around the host's static busybox: its applet links, the directories a
 * container runtime mounts over (a read-only image root cannot gain them later), users and
 * groups, a motd, a setuid file, and an application directory for the image-config test.
 */
final class BusyboxRootfs {
    static final Path BUSYBOX = Path.of("/bin/busybox");
    static final String MOTD = "hello from a cfsj image\n";

    private BusyboxRootfs() {}

    static boolean available() throws IOException, InterruptedException {
        // busybox-static's binary: a dynamically linked one would find no libc in the image
        return Files.isExecutable(BUSYBOX) && Command.of(java.util.List.of("ldd", BUSYBOX.toString())).timeoutSeconds(30).run().exit() != 0;
    }

    static Path build(Path root) throws IOException, InterruptedException {
        for (String d : new String[] {"bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root",
                "srv/work", "opt/app", "home/app"}) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(BUSYBOX, root.resolve("bin/busybox"));
        Command.of("chmod", "0755", root.resolve("bin/busybox").toString()).check();
        for (String applet : Command.of(BUSYBOX.toString(), "--list-full").check().split("\n")) {
            applet = applet.strip();
            Path link = root.resolve(applet);
            if (!applet.isEmpty() && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, Path.of("/bin/busybox"));
            }
        }
        Files.writeString(root.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/sh
                app:x:1234:2345:the app:/home/app:/bin/sh
                """);
        Files.writeString(root.resolve("etc/group"), """
                root:x:0:
                appgroup:x:2345:
                extra:x:3456:app
                """);
        Files.writeString(root.resolve("etc/motd"), MOTD);
        byte[] helper = new byte[5000];
        new Random(42).nextBytes(helper);
        Files.write(root.resolve("bin/suid-helper"), helper);
        Command.of("chmod", "4755", root.resolve("bin/suid-helper").toString()).check();
        Command.of("chmod", "1777", root.resolve("tmp").toString()).check();
        Files.writeString(root.resolve("opt/app/entry.sh"), """
                echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"
                echo "cwd=$(pwd)"
                echo "FOO=$FOO HOME=$HOME"
                echo "args=$*"
                """);
        Command.of("chown", "-R", "1234:2345", root.resolve("home/app").toString(), root.resolve("srv/work").toString()).check();
        return root;
    }

    /** The config of the plain busybox image: a shell, as busybox images have. */
    static final String SHELL_CONFIG = "{\"Cmd\":[\"/bin/sh\"]}";

    /** Entrypoint + Cmd, Env, WorkingDir and a non-root User resolved through the image's passwd. */
    static final String APP_CONFIG = "{\"Entrypoint\":[\"/bin/sh\",\"/opt/app/entry.sh\"],\"Cmd\":[\"first\",\"second\"],"
            + "\"Env\":[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\",\"FOO=bar baz\"],\"WorkingDir\":\"/srv/work\",\"User\":\"app\"}";
}
