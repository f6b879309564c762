package org.cfsj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.cfsj.dump.DumpfilePrinter;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.scan.DirectoryScanner;
import org.cfsj.scan.ScanOptions;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader reads what Debian's mkfs.erofs writes: the dumpfile of a real directory (a copy of
 * part of /usr) equals the dumpfile of its mkfs.erofs image, for the fields both carry.
 */
class MkfsErofsDumpTest {
    @TempDir
    Path tmp;

    /** Directory sizes differ by filesystem; file payload/content/digest are composefs notions. */
    static String comparable(String dump) {
        return dump.lines().map(l -> {
            String[] f = l.split(" ", -1);
            if (f[2].startsWith("40")) {
                f[1] = "-";
            }
            if (f[2].startsWith("100") || f[2].startsWith("@100")) {
                f[8] = f[9] = f[10] = "-";
            }
            return String.join(" ", f);
        }).collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void mkfsErofsImageOfUsrDumpsLikeTheDirectory() throws Exception {
        assumeTrue(Command.onPath("mkfs.erofs"), "mkfs.erofs not installed (Debian package erofs-utils)");
        Path src = tmp.resolve("src");
        Files.createDirectory(src);
        for (String part : List.of("/usr/share/doc", "/usr/lib/os-release", "/usr/share/zoneinfo/Europe", "/usr/bin/ls")) {
            if (Files.exists(Path.of(part))) {
                Result cp = Command.of(List.of("cp", "-a", part, src.resolve(Path.of(part).getFileName()).toString())).mergeStderr().run();
                assertEquals(0, cp.exit(), "copy " + part + ": " + cp.out());
            }
        }
        Path img = tmp.resolve("usr.erofs");
        Result mkfs = Command.of(List.of("mkfs.erofs", "-Eforce-inode-extended", img.toString(), src.toString())).mergeStderr().run();
        assertEquals(0, mkfs.exit(), mkfs.out());

        String fromDir = DumpfilePrinter.toString(DirectoryScanner.scan(src, ScanOptions.defaults()));
        String fromImage;
        try (ErofsImage image = ErofsImage.open(img)) {
            fromImage = DumpfilePrinter.toString(ImageTree.read(image));
        }
        assertTrue(fromDir.lines().count() > 1000, "the copy of /usr is large enough to mean something");
        assertEquals(comparable(fromDir), comparable(fromImage));
    }
}
