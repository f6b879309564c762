package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cfsj.fuse.Mounts;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./cfsj fuse-serve --background}, the launcher script's own way of starting a background
 * server: one JVM, started detached by the script, which returns when that JVM says the mount is
 * live (its ready token) and otherwise relays the server's error with a non-zero status. The same
 * contract as the JVM's own {@code --background} ({@link BackgroundMountpointTest}, which runs the
 * jar directly).
 */
class LauncherBackgroundTest {
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        FuseEnvironment.requireFuse();
        work = Files.createTempDirectory("cfsj-launcher-bg-it");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (work != null) {
            FuseEnvironment.forceUnmount(work.resolve("mnt"));
            Command.of(List.of("rm", "-rf", work.toString())).timeoutSeconds(60).run();
        }
    }

    private static Command launcher(String... args) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("cfsj.root.dir"), "cfsj").toString()));
        argv.addAll(List.of(args));
        // the launcher finds the JDK through JAVA_HOME first: the one running the tests
        return Command.of(argv).env("JAVA_HOME", System.getProperty("java.home")).timeoutSeconds(120);
    }

    @Test
    void returnsOnceTheMountIsLiveWithTheServerInTheOnlyJvm() throws Exception {
        Path src = Files.createDirectories(work.resolve("src"));
        Files.writeString(src.resolve("hello"), "hello\n");
        Path image = work.resolve("image.cfs");
        Path objects = work.resolve("objects");
        Result mk = Cfsj.run("mkcomposefs", "--digest-store", objects.toString(), src.toString(), image.toString());
        assertEquals(0, mk.exit(), mk.describe());
        Path mnt = Files.createDirectories(work.resolve("mnt"));

        // Command reads stdout and stderr to their end: it returns only if the server kept neither
        Result serve = launcher("fuse-serve", "--background", "--basedir", objects.toString(), image.toString(),
                mnt.toString()).run();

        assertEquals(0, serve.exit(), serve.describe());
        assertEquals("", serve.out(), serve.describe());
        assertTrue(Mounts.isMountedOver(mnt.toRealPath()), "mounted when the launcher returned: " + serve.describe());
        assertEquals("hello\n", Files.readString(mnt.resolve("hello")));
        List<String> servers = processesMentioning(mnt.toRealPath().toString());
        assertEquals(1, servers.size(), "one process serves the mount: " + servers);
        assertTrue(servers.get(0).contains("-jar") && !servers.get(0).contains("ServerProcess"),
                "the launcher's JVM serves it, not a second one: " + servers);

        Result umount = Cfsj.run("umount", mnt.toString());
        assertEquals(0, umount.exit(), umount.describe());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!processesMentioning(mnt.toRealPath().toString()).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), processesMentioning(mnt.toRealPath().toString()), "the server exits when unmounted");
    }

    @Test
    void aBadImageFailsWithTheServersOneLineErrorAndLeavesNothingBehind() throws Exception {
        Path image = Files.writeString(work.resolve("not-an-image"), "not an image, just text\n".repeat(200));
        Path objects = Files.createDirectories(work.resolve("objects"));
        Path mnt = Files.createDirectories(work.resolve("mnt"));

        Result serve = launcher("fuse-serve", "--background", "--basedir", objects.toString(), image.toString(),
                mnt.toString()).run();

        assertEquals(1, serve.exit(), serve.describe());
        String err = serve.err().strip();
        assertTrue(err.contains("not a valid composefs/EROFS image"), "the server's reason: " + serve.describe());
        assertEquals(1, err.lines().count(), "one line: " + serve.describe());
        assertFalse(Mounts.isMountedOver(mnt.toRealPath()), "nothing mounted");
        assertEquals(List.of(), processesMentioning(mnt.toRealPath().toString()), "no server left");
    }

    @Test
    void aMissingObjectDirectoryIsReportedBeforeReturning() throws Exception {
        Path mnt = Files.createDirectories(work.resolve("mnt"));
        Path image = Files.writeString(work.resolve("image.cfs"), "x");

        Result serve = launcher("fuse-serve", "--background", "--basedir", work.resolve("absent").toString(),
                image.toString(), mnt.toString()).run();

        assertEquals(1, serve.exit(), serve.describe());
        assertTrue(serve.err().contains("does not exist"), serve.describe());
        assertFalse(Mounts.isMountedOver(mnt.toRealPath()), "nothing mounted");
    }

    /** Command lines (NULs as spaces) of the processes whose arguments name {@code path}. */
    private static List<String> processesMentioning(String path) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (cmdline.contains(" " + path + " ") || cmdline.endsWith(" " + path + " ")) {
                        found.add(cmdline.strip());
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return found;
    }
}
