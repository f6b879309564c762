package org.cfsj.composefs.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The object store trusts the kernel's fs-verity measurement where the filesystem has one. */
class ObjectStoreKernelVerityTest {
    @TempDir
    Path dir;

    /** Runs only where the kernel and the filesystem of the temp dir support fs-verity. */
    @Test
    void kernelMeasuredObjectsAreComparedWithTheImage() throws Exception {
        byte[] content = "kernel checked".getBytes(StandardCharsets.US_ASCII);
        byte[] digest = FsVerity.digest(content);
        Path object = dir.resolve(FsVerity.objectPath(digest));
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        assumeTrue(Command.onPath("fsverity"), "fsverity tool not installed");
        Result enable = Command.of("fsverity", "enable", object.toString()).mergeStderr().run();
        assumeTrue(enable.exit() == 0, "no kernel fs-verity on " + dir + " (fsverity enable: " + enable.out().strip() + ")");

        try (ObjectStore store = new ObjectStore(dir, false)) {
            assertTrue(store.verityMode().startsWith("kernel fs-verity"), store.verityMode());
            ObjectStore.close(store.open(FsVerity.objectPath(digest), digest).fd());
            byte[] wrong = digest.clone();
            wrong[0] ^= 1;
            ObjectVerificationException e = assertThrows(ObjectVerificationException.class,
                    () -> store.open(FsVerity.objectPath(digest), wrong));
            assertTrue(e.getMessage().contains("measured by kernel fs-verity"), e.getMessage());
            assertEquals(2, store.checked());
        }
    }
}
