package org.cfsj.dump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.tree.Directory;
import org.cfsj.tree.RegularFile;
import org.cfsj.verity.VerityAlgorithm;
import org.junit.jupiter.api.Test;

/**
 * Digests of both algorithms in a dumpfile: 64 hex digits are sha256, 128 are sha512 (as
 * composefs-rs prints them for a sha512 repository); each survives dumpfile to image to
 * dumpfile, and any other length is refused with the line.
 */
class Sha512DumpfileTest {
    private static final String ROOT = "/ 4096 40755 2 0 0 0 0.0 - - -\n";

    @Test
    void sha512AndSha256DigestsRoundTripThroughAnImage() throws Exception {
        String sha512 = "ab".repeat(64);
        String sha256 = "cd".repeat(32);
        String dump = ROOT
                + "/big 100000 100644 1 0 0 0 0.0 ab/" + sha512.substring(2) + " - " + sha512 + "\n"
                + "/small 1000 100644 1 0 0 0 0.0 cd/" + sha256.substring(2) + " - " + sha256 + "\n";
        Directory root = DumpfileParser.parse(dump.getBytes(StandardCharsets.US_ASCII), DumpfileParser.Mode.STRICT);
        RegularFile big = (RegularFile) root.get("big".getBytes(StandardCharsets.US_ASCII));
        assertEquals(64, big.digest().length);
        byte[] image = ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT);
        Directory back;
        try (ErofsImage img = ErofsImage.of(MemorySegment.ofArray(image))) {
            back = ImageTree.read(img);
        }
        RegularFile bigBack = (RegularFile) back.get("big".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(big.digest(), bigBack.digest(), "the sha512 digest read back from the metacopy xattr");
        assertEquals(VerityAlgorithm.SHA256_12,
                VerityAlgorithm.ofDigest(((RegularFile) back.get("small".getBytes(StandardCharsets.US_ASCII))).digest()));
        assertEquals(DumpfilePrinter.toString(root), DumpfilePrinter.toString(back));
    }

    @Test
    void aDigestOfAnyOtherLengthIsRefused() {
        String dump = ROOT + "/f 100000 100644 1 0 0 0 0.0 ab/cd - " + "ef".repeat(48) + "\n";
        DumpfileException e = assertThrows(DumpfileException.class,
                () -> DumpfileParser.parse(dump.getBytes(StandardCharsets.US_ASCII), DumpfileParser.Mode.LENIENT));
        assertEquals(true, e.getMessage().contains("expected 64 (sha256) or 128 (sha512) hex digits, got 96"), e.getMessage());
    }
}
