package org.cfsj.it.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dumpfile roundtrip, end to end and in one place: a directory tree becomes a composefs
 * image, cfsj's FUSE server serves it in its own process, and what the mount shows is exactly
 * the image (its dumpfile) and exactly the source (its bytes).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DumpfileRoundtripTest {
    /** composefs keeps files up to this size inline in the image; larger ones are objects. */
    static final int INLINE_LIMIT = 64;

    @TempDir
    Path tmp;

    @Test
    void fuseMountIsTheImageAndTheSource() throws Exception {
        Assumptions.assumeTrue(Command.isRoot(), "mounting with FUSE needs root here");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing");

        // 1. A source tree with every kind of entry the roundtrip must carry.
        Path source = Files.createDirectories(tmp.resolve("source"));
        Files.createDirectories(source.resolve("etc/conf.d"));
        Files.createDirectories(source.resolve("usr/lib/deep/er/still"));
        Files.writeString(source.resolve("etc/hostname"), "inline\n");
        Files.write(source.resolve("etc/empty"), new byte[0]);
        Files.write(source.resolve("etc/exactly-inline-limit"), bytes(1, INLINE_LIMIT));
        Files.write(source.resolve("etc/one-over"), bytes(2, INLINE_LIMIT + 1));
        Files.write(source.resolve("usr/lib/big"), bytes(3, 3 * 1024 * 1024 + 17));
        Files.write(source.resolve("usr/lib/deep/er/still/page"), bytes(4, 4096));
        Files.write(source.resolve("usr/lib/same-content"), bytes(3, 3 * 1024 * 1024 + 17)); // one object for two files
        Files.createLink(source.resolve("usr/lib/hardlink"), source.resolve("usr/lib/deep/er/still/page"));
        Files.createSymbolicLink(source.resolve("etc/link"), Path.of("../usr/lib/big"));
        Command.of("setfattr", "-n", "user.note", "-v", "kept", source.resolve("etc/hostname").toString()).check();
        Command.of("chmod", "4750", source.resolve("etc/one-over").toString()).check();
        Command.of("chown", "12:34", source.resolve("etc/conf.d").toString()).check();
        Command.of("mkfifo", source.resolve("etc/fifo").toString()).check();

        // 2. The image, with every file above the inline limit copied into the object store.
        Path image = tmp.resolve("image.cfs");
        Path objects = tmp.resolve("objects");
        Result mk = Cfsj.run("mkcomposefs", source.toString(), image.toString(), "--digest-store", objects.toString());
        assertEquals(0, mk.exit(), mk.describe());

        // 3. The FUSE server in a process of its own, in the foreground.
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        Object unmounted = Files.getAttribute(mnt, "unix:dev");
        Process server = new ProcessBuilder(Cfsj.argv(List.of("fuse-serve", image.toString(), mnt.toString(),
                "--basedir", objects.toString())))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(tmp.resolve("server.log").toFile())
                .start();
        try {
            // 4. The mount is live when the mount point's st_dev changes.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.getAttribute(mnt, "unix:dev").equals(unmounted)) {
                if (!server.isAlive()) {
                    fail("the server exited with " + server.exitValue() + ": " + Files.readString(tmp.resolve("server.log")));
                }
                if (System.nanoTime() > deadline) {
                    fail("the mount did not come up within 30 s");
                }
                Thread.sleep(20);
            }

            // 5. Every external file reads as its source bytes (and the small ones too).
            int external = 0;
            try (var walk = Files.walk(source)) {
                for (Path file : walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                    Path served = mnt.resolve(source.relativize(file).toString());
                    assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(served), "content of " + served);
                    external += Files.size(file) > INLINE_LIMIT ? 1 : 0;
                }
            }
            assertEquals(5, external, "files stored as objects");

            // 6. The mount's dumpfile is the image's dumpfile, byte for byte.
            Result imageDump = Cfsj.run("composefs-info", "dump", image.toString());
            Result mountDump = Cfsj.run("create-dumpfile", mnt.toString());
            assertEquals(0, imageDump.exit(), imageDump.describe());
            assertEquals(0, mountDump.exit(), mountDump.describe());
            assertTrue(imageDump.out().contains("/etc/link 14 120777"), imageDump.out());
            assertEquals(imageDump.out(), mountDump.out(), "create-dumpfile of the FUSE mount vs composefs-info dump of the image");
        } finally {
            // 7. Always unmounted: cfsj umount, after which the server exits by itself.
            Result u = Cfsj.command(List.of("umount", mnt.toString())).timeoutSeconds(60).run();
            boolean exited = server.waitFor(30, TimeUnit.SECONDS);
            if (!exited) {
                server.destroyForcibly();
            }
            assertEquals(0, u.exit(), u.describe());
            assertTrue(exited, "the server exits once unmounted");
        }
        assertEquals(0, server.exitValue(), Files.readString(tmp.resolve("server.log"), StandardCharsets.UTF_8));
        assertFalse(ContainerHost.mountsContaining(mnt.toString()).size() > 0, "nothing is mounted at " + mnt);
    }

    private static byte[] bytes(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
