package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cfsj.fuse.Mounts;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code fuse-serve --background} mounts the directory the user named, resolved as the kernel
 * resolves it: in {@code link/../mnt} the {@code ..} is the parent of the link's target, not the
 * directory the link sits in. The starting command checks that directory, so the detached server
 * must mount that very one; otherwise it mounts elsewhere, the start is reported as failed, and a
 * live mount and server are left behind.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BackgroundMountpointTest {
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        FuseEnvironment.requireFuse();
        work = Files.createTempDirectory("cfsj-bg-mnt-it");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (work != null) {
            FuseEnvironment.forceUnmount(work.resolve("real/mnt"));
            FuseEnvironment.forceUnmount(work.resolve("mnt"));
            Command.of(List.of("rm", "-rf", work.toString())).timeoutSeconds(60).run();
        }
    }

    @Test
    void dotDotAfterASymlinkMountsWhatTheKernelResolves() throws Exception {
        Path src = Files.createDirectories(work.resolve("src"));
        Files.writeString(src.resolve("hello"), "hello\n");
        Path image = work.resolve("image.cfs");
        Path objects = work.resolve("objects");
        Result mk = Cfsj.run("mkcomposefs", "--digest-store", objects.toString(), src.toString(), image.toString());
        assertEquals(0, mk.exit(), mk.describe());

        Path realParent = Files.createDirectories(work.resolve("real"));
        Path target = Files.createDirectories(realParent.resolve("inner"));
        Path intended = Files.createDirectories(realParent.resolve("mnt"));
        Path decoy = Files.createDirectories(work.resolve("mnt"));
        Files.createSymbolicLink(work.resolve("link"), target);

        Result serve = Cfsj.command(List.of("fuse-serve", image.toString(), work + "/link/../mnt", "--basedir",
                objects.toString(), "--background")).timeoutSeconds(120).run();

        assertEquals(0, serve.exit(), serve.describe());
        assertTrue(Mounts.isMountedOver(intended.toRealPath()), "mounted at " + intended + ": " + serve.describe());
        assertEquals("hello\n", Files.readString(intended.resolve("hello")));
        assertFalse(Mounts.isMountedOver(decoy.toRealPath()), "nothing is mounted at " + decoy);
        Result umount = Cfsj.run("umount", intended.toString());
        assertEquals(0, umount.exit(), umount.describe());
    }
}
