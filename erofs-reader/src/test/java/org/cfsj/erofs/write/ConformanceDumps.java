package org.cfsj.erofs.write;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.cfsj.dump.DumpfileParser;
import org.cfsj.tree.Directory;

/**
 * The C composefs test vectors in testdata/conformance/composefs-dumps (see its README), found
 * through the build's {@code cfsj.testdata.dir}: each NAME.dump with the sha256 of the image C
 * mkcomposefs writes for it (NAME.dump.sha256) and, where not the default, the format version
 * (NAME.dump.version); should-fail-*.dump must be rejected.
 */
public final class ConformanceDumps {
    public static final Path DIR =
            Path.of(System.getProperty("cfsj.testdata.dir", "../testdata"), "conformance", "composefs-dumps");
    /** Dumpfiles C composefs parses leniently (its fuzzer's finds and unterminated lines). */
    private static final Set<String> LENIENT =
            Set.of("no-newline.dump", "longlink.dump", "honggfuzz-longlink-unterminated.dump");

    private ConformanceDumps() {}

    /** The dumpfiles, sorted: the valid ones, or the should-fail ones. */
    public static List<Path> list(boolean failing) throws IOException {
        assertTrue(Files.isDirectory(DIR), "conformance data missing at " + DIR.toAbsolutePath());
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".dump"))
                    .filter(p -> p.getFileName().toString().startsWith("should-fail-") == failing)
                    .sorted()
                    .toList();
        }
    }

    public static DumpfileParser.Mode mode(Path dump) {
        return LENIENT.contains(dump.getFileName().toString()) ? DumpfileParser.Mode.LENIENT : DumpfileParser.Mode.STRICT;
    }

    public static ComposefsImageWriter.Options options(Path dump) throws IOException {
        Path v = dump.resolveSibling(dump.getFileName() + ".version");
        return Files.exists(v)
                ? ComposefsImageWriter.Options.exactly(Integer.parseInt(Files.readString(v).trim()))
                : ComposefsImageWriter.Options.DEFAULT;
    }

    public static Directory parse(Path dump) throws IOException {
        return DumpfileParser.parse(Files.readAllBytes(dump), mode(dump));
    }

    /** The image cfsj writes for a dumpfile, with the options its .version file asks for. */
    public static byte[] image(Path dump) throws IOException {
        return ComposefsImageWriter.toBytes(parse(dump), options(dump));
    }

    /** The sha256 of the image C mkcomposefs writes for a dumpfile. */
    public static String expectedSha256(Path dump) throws IOException {
        return Files.readString(dump.resolveSibling(dump.getFileName() + ".sha256")).trim();
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
