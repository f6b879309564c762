package org.cfsj.erofs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.erofs.write.ConformanceDumps;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;

/**
 * composefs images for reader tests, written by cfsj's writer: one per conformance dumpfile
 * (byte-identical to C mkcomposefs's, which {@code ConformanceTest} checks, so they are C
 * composefs images too) and {@link #payloadsTree()}, a small tree with external files, a
 * hardlink, an inline file and a symlink.
 */
final class ComposefsTestImages {
    private ComposefsTestImages() {}

    /** An image and the dumpfile it was written from (null for a hand-built tree). */
    record Sample(String name, Path dump, byte[] image) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** fs-verity digest and object path of the external file /big. */
    static final String BIG_DIGEST = "2e0b6a266f128f6aff1c672048ae2845c2d116f5453350d122953231d16c4d44";
    static final String BIG_PAYLOAD = "2e/0b6a266f128f6aff1c672048ae2845c2d116f5453350d122953231d16c4d44";
    private static final String BIG2_DIGEST = "8c1f0a1d3b39b2b71d2cd6d1ea4d32ae31f3d2bd95a8ee8a1e09cb60d7c7e8f0";

    private static Metadata meta(int permissions, int nlink) {
        return new Metadata(permissions, 0, 0, 1_700_000_000L, 0, nlink, List.of());
    }

    /**
     * /big (10000 bytes, external), /sub/big2 (20000, external), /sub/hl (a hardlink to /big),
     * "/sp ace" ("small\n", inline) and /sym -> big: what {@code cfsj mkcomposefs DIR} makes of
     * such a directory.
     */
    static Directory payloadsTree() {
        Directory root = new Directory(meta(0755, 3));
        RegularFile big = RegularFile.external(meta(0644, 2), 10000, BIG_PAYLOAD, HexFormat.of().parseHex(BIG_DIGEST));
        root.add(Bytes.of("big"), big);
        root.add(Bytes.of("sp ace"), RegularFile.inline(meta(0644, 1), Bytes.of("small\n")));
        root.add(Bytes.of("sym"), new Symlink(meta(0777, 1), Bytes.of("big")));
        Directory sub = new Directory(meta(0755, 2));
        root.add(Bytes.of("sub"), sub);
        sub.add(Bytes.of("big2"), RegularFile.external(meta(0644, 1), 20000,
                BIG2_DIGEST.substring(0, 2) + "/" + BIG2_DIGEST.substring(2), HexFormat.of().parseHex(BIG2_DIGEST)));
        sub.addHardlink(Bytes.of("hl"), big);
        return root;
    }

    static byte[] payloadsImage() throws IOException {
        return ComposefsImageWriter.toBytes(payloadsTree(), ComposefsImageWriter.Options.DEFAULT);
    }

    /** The image of every valid conformance dumpfile. */
    static List<Sample> conformance() {
        try {
            List<Sample> out = new ArrayList<>();
            for (Path dump : ConformanceDumps.list(false)) {
                String name = dump.getFileName().toString();
                out.add(new Sample(name.substring(0, name.length() - ".dump".length()), dump, ConformanceDumps.image(dump)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The conformance images and the payloads image. */
    static List<Sample> all() throws IOException {
        List<Sample> out = new ArrayList<>(conformance());
        out.add(new Sample("payloads", null, payloadsImage()));
        return out;
    }
}
