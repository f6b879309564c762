package org.cfsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code composefs-info missing-objects} with payloads from a crafted image: only object paths
 * below {@code --basedir} are looked up, so an image cannot learn whether a file outside exists.
 */
class MissingObjectsTest {
    static final Metadata META = new Metadata(0644, 0, 0, 0, 0, 1, List.of());

    @TempDir
    Path tmp;

    /** An image whose files are external, one per payload. */
    private Path image(String... payloads) throws Exception {
        Directory root = new Directory(new Metadata(0755, 0, 0, 0, 0, 1, List.of()));
        for (int i = 0; i < payloads.length; i++) {
            root.add(Bytes.of("f" + i), RegularFile.external(META, 100, payloads[i], null));
        }
        Path img = tmp.resolve("image-" + Integer.toHexString(String.join("|", payloads).hashCode()));
        Files.write(img, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        return img;
    }

    private Path basedir() throws Exception {
        Path base = tmp.resolve("base");
        Files.createDirectories(base.resolve("ab"));
        Files.writeString(base.resolve("ab/present"), "x");
        Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(tmp.resolve("outside/secret"), "x");
        Files.createSymbolicLink(base.resolve("link"), Path.of("../outside"));
        return base;
    }

    @Test
    void objectPathsBelowTheBasedirAreLookedUp() throws Exception {
        Path base = basedir();
        var r = CliRunner.run("composefs-info", "missing-objects", "--basedir", base.toString(),
                image("ab/present", "/ab/present", "ab/absent", "cd/absent").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("ab/absent\ncd/absent\n", r.outText(), "a leading '/' means the basedir itself");
    }

    @Test
    void aDotDotPayloadIsRejectedWithoutLookingOutside() throws Exception {
        Path base = basedir();
        Path img = image("ab/present", "../outside/secret");
        var r = CliRunner.run("composefs-info", "missing-objects", "--basedir", base.toString(), img.toString());
        assertEquals(1, r.exit(), "a payload climbing out of the basedir fails the command: " + r.err());
        assertEquals("cfsj composefs-info: " + img + ": payload ../outside/secret is not an object path below --basedir:"
                + " it has a '..' component\n", r.err());
        assertEquals("", r.outText());
    }

    @Test
    void otherPayloadsThatAreNotObjectPathsAreRejected() throws Exception {
        Path base = basedir();
        for (String payload : List.of("ab/../ab/present", "ab/./present", "ab//present", "ab/", "/")) {
            var r = CliRunner.run("composefs-info", "missing-objects", "--basedir", base.toString(), image(payload).toString());
            assertEquals(1, r.exit(), payload + ": " + r.err());
            assertTrue(r.err().contains("is not an object path below --basedir"), payload + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    @Test
    void aSymlinkBelowTheBasedirIsNotFollowed() throws Exception {
        Path base = basedir();
        var r = CliRunner.run("composefs-info", "missing-objects", "--basedir", base.toString(),
                image("link/secret").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("link/secret\n", r.outText(), "base/link -> ../outside is not a way out");
    }
}
