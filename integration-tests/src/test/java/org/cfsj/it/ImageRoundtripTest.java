package org.cfsj.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.cfsj.dump.DumpfileParser;
import org.cfsj.dump.DumpfilePrinter;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.RandomTrees;
import org.cfsj.testsupport.Result;
import org.cfsj.tree.Directory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dumpfile -> image -> dumpfile is unchanged, image -> dump -> image is byte-identical, the image
 * read back is the tree that was written, and Debian's fsck.erofs accepts every image.
 */
class ImageRoundtripTest {
    static final int TREES = 40;

    @TempDir
    Path tmp;

    static byte[] write(Directory root) throws Exception {
        return ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT);
    }

    static String dumpOf(byte[] image) throws Exception {
        try (ErofsImage img = ErofsImage.of(image)) {
            return DumpfilePrinter.toString(ImageTree.read(img));
        }
    }

    /** Directory size and link count are the writer's to decide; blank them for comparison. */
    static String maskDirectoryFields(String dump) {
        return dump.lines().map(l -> {
            String[] f = l.split(" ", -1);
            if (f.length > 3 && f[2].startsWith("40")) {
                f[1] = "DIRSIZE";
                f[3] = "NLINK";
            }
            return String.join(" ", f);
        }).collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void randomTreesRoundtripExactly() throws Exception {
        for (int seed = 1; seed <= TREES; seed++) {
            Directory tree = new RandomTrees(seed, RandomTrees.Profile.IMAGE).tree(seed % 5 == 0 ? 3000 : 300);
            byte[] image = write(tree);
            String dump = dumpOf(image);

            assertEquals(maskDirectoryFields(DumpfilePrinter.toString(tree)), maskDirectoryFields(dump),
                    "seed " + seed + ": the image read back differs from the tree written");

            Directory reparsed = DumpfileParser.parse(dump.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                    DumpfileParser.Mode.STRICT);
            assertEquals(dump, DumpfilePrinter.toString(reparsed), "seed " + seed + ": dumpfile -> tree -> dumpfile changed");
            byte[] again = write(reparsed);
            assertArrayEquals(image, again, "seed " + seed + ": image -> dump -> image is not byte-identical");
            assertEquals(dump, dumpOf(again), "seed " + seed + ": dumpfile -> image -> dumpfile changed");
        }
    }

    @Test
    void fsckErofsAcceptsEveryImage() throws Exception {
        assumeTrue(Command.onPath("fsck.erofs"), "fsck.erofs not installed (Debian package erofs-utils): cannot check images");
        for (int seed = 100; seed < 100 + TREES; seed++) {
            Path img = tmp.resolve("t" + seed + ".img");
            Files.write(img, write(new RandomTrees(seed, RandomTrees.Profile.IMAGE).tree(seed % 4 == 0 ? 3000 : 300)));
            Result r = Command.of(List.of("fsck.erofs", "--extract", img.toString())).mergeStderr().run();
            assertEquals(0, r.exit(), "fsck.erofs rejected the image of seed " + seed + ":\n" + r.out());
        }
    }
}
