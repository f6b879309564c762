package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.cfsj.sys.SysException;
import org.cfsj.tree.Bytes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Objects are checked against the digest the image records (this kernel has no fs-verity, so the
 * server checks content in user space): an object with one byte changed, one cut short and one
 * missing read as EIO, also through a second file sharing the object, also with --passthrough,
 * never as wrong bytes; untouched files keep reading. With {@code --insecure} the server does no
 * checking, says so, and hands out the object's bytes as they are.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FuseVerityTest {
    static final int EIO = 5;

    @TempDir
    Path tmp;

    Images.Built image;
    byte[] tamperedObject;

    @BeforeEach
    void tamperedImage() throws Exception {
        FuseEnvironment.requireFuse();
        Path src = Files.createDirectories(tmp.resolve("src"));
        Random rnd = new Random(9);
        for (String[] f : new String[][] {{"tampered", "100000"}, {"short", "5000"}, {"missing", "8000"}, {"intact", "1048576"}}) {
            byte[] b = new byte[Integer.parseInt(f[1])];
            rnd.nextBytes(b);
            Files.write(src.resolve(f[0]), b);
        }
        Files.copy(src.resolve("tampered"), src.resolve("tampered-copy"));
        Files.writeString(src.resolve("inline.txt"), "small\n");
        image = Images.mkcomposefs(src, tmp.resolve("image.cfs"), tmp.resolve("objects"));
        String dump = Images.imageDump(image.image());

        Path tampered = object(dump, "/tampered");
        tamperedObject = Files.readAllBytes(tampered);
        tamperedObject[4097] ^= 0x01;
        Files.write(tampered, tamperedObject);
        Path cut = object(dump, "/short");
        byte[] s = Files.readAllBytes(cut);
        Files.write(cut, java.util.Arrays.copyOf(s, s.length - 1));
        Files.delete(object(dump, "/missing"));
    }

    private Path object(String dump, String path) {
        for (String line : dump.lines().toList()) {
            String[] f = line.split(" ");
            if (f[0].equals(path)) {
                return image.objects().resolve(f[8]);
            }
        }
        throw new IllegalStateException(path + " not in the dump:\n" + dump);
    }

    @Test
    void damagedObjectsReadAsEio() throws Exception {
        checkDamagedObjectsReadAsEio("served");
    }

    @Test
    void damagedObjectsReadAsEioWithPassthrough() throws Exception {
        checkDamagedObjectsReadAsEio("passthrough", "--passthrough");
    }

    private void checkDamagedObjectsReadAsEio(String name, String... options) throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt-" + name));
        try (FuseServer server = FuseServer.start(image.image(), mnt, image.objects(), tmp.resolve("server-" + name), 120, options)) {
            for (int round = 0; round < 2; round++) {
                for (String f : List.of("tampered", "tampered-copy", "short", "missing")) {
                    assertEio(mnt, f, name + ", round " + round);
                }
                for (String f : List.of("intact", "inline.txt")) {
                    assertArrayEquals(Files.readAllBytes(image.source().resolve(f)), TreeFiles.read(mnt, Bytes.of(f)), name + ": " + f);
                }
            }
            assertTrue(server.isAlive(), "the server died; stderr:\n" + server.stderr());
            FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
            assertTrue(exit.stat("eio") >= 3, name + ": the EIO answers should be counted: " + exit.stats());
            assertTrue(exit.stat("verity_checked") >= 2, name + ": objects checked: " + exit.stats());
            String payload = image.objects().relativize(object(Images.imageDump(image.image()), "/tampered")).toString();
            assertTrue(exit.stderr().contains(payload) || exit.stderr().contains(payload.replace("/", "")),
                    name + ": the log should name the object that failed its check (" + payload + "); stderr:\n" + exit.stderr());
        }
    }

    private static void assertEio(Path mnt, String file, String ctx) {
        try {
            byte[] got = TreeFiles.read(mnt, Bytes.of(file));
            fail(ctx + ": " + file + " has a damaged object but read " + got.length + " bytes instead of failing with EIO");
        } catch (SysException e) {
            assertEquals(EIO, e.errno(), ctx + ": " + file + ": " + e.getMessage());
        } catch (IOException e) {
            fail(ctx + ": " + file + ": expected EIO, got " + e);
        }
    }

    @Test
    void insecureServesTheObjectAsItIs() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt-insecure"));
        try (FuseServer server = FuseServer.start(image.image(), mnt, image.objects(), tmp.resolve("server-insecure"), 120, "--insecure")) {
            assertArrayEquals(tamperedObject, TreeFiles.read(mnt, Bytes.of("tampered")), "--insecure: the tampered object's bytes");
            assertArrayEquals(Files.readAllBytes(image.source().resolve("intact")), TreeFiles.read(mnt, Bytes.of("intact")), "--insecure: intact");
            String said = server.stderr();
            FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
            assertEquals(0, exit.stat("verity_checked"), "--insecure must not check objects: " + exit.stats());
            assertTrue(said.lines().anyMatch(l -> !l.isBlank()), "--insecure should say at start that objects are not verified; stderr was empty");
        }
    }

    /**
     * A later server with the same digest ledger believes a recorded digest only for an unchanged
     * file: an object rewritten in place after it was recorded (same size, old mtime put back)
     * reads as EIO, not as the changed bytes.
     */
    @Test
    void theDigestLedgerNeverVouchesForAChangedObject() throws Exception {
        Path ledger = tmp.resolve("ledger");
        Path intact = object(Images.imageDump(image.image()), "/intact");
        byte[] good = Files.readAllBytes(intact);
        Path mnt = Files.createDirectories(tmp.resolve("mnt-ledger"));
        try (FuseServer server = FuseServer.start(image.image(), mnt, image.objects(), tmp.resolve("server-ledger-1"), 120,
                "--digest-ledger", ledger.toString())) {
            assertArrayEquals(good, TreeFiles.read(mnt, Bytes.of("intact")));
            server.stopCleanly(FuseServer.Stop.SIGTERM);
        }
        assertTrue(Files.size(ledger) > 0, "the first server recorded the digest it computed");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(ledger)));

        var mtime = Files.getLastModifiedTime(intact);
        byte[] changed = good.clone();
        changed[500_000] ^= 0x01;
        Files.write(intact, changed);
        Files.setLastModifiedTime(intact, mtime);
        try (FuseServer server = FuseServer.start(image.image(), mnt, image.objects(), tmp.resolve("server-ledger-2"), 120,
                "--digest-ledger", ledger.toString())) {
            assertEio(mnt, "intact", "changed after its digest was recorded");
            server.stopCleanly(FuseServer.Stop.SIGTERM);
        }
    }
}
