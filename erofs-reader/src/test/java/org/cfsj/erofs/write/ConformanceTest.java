package org.cfsj.erofs.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.cfsj.dump.DumpfileParser;
import org.cfsj.tree.Directory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The C composefs test vectors in testdata/conformance/composefs-dumps (see its README): every
 * dumpfile must give the image whose sha256 C mkcomposefs gives, and every should-fail file must
 * be rejected.
 */
class ConformanceTest {
    static final Path DUMPS = Path.of(System.getProperty("cfsj.testdata.dir", "../testdata"), "conformance", "composefs-dumps");
    static final Set<String> LENIENT = Set.of("no-newline.dump", "longlink.dump", "honggfuzz-longlink-unterminated.dump");

    static List<Path> dumps(boolean failing) throws IOException {
        assertTrue(Files.isDirectory(DUMPS), "conformance data missing at " + DUMPS.toAbsolutePath());
        try (Stream<Path> s = Files.list(DUMPS)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".dump"))
                    .filter(p -> p.getFileName().toString().startsWith("should-fail-") == failing)
                    .sorted()
                    .toList();
        }
    }

    static DumpfileParser.Mode mode(Path dump) {
        return LENIENT.contains(dump.getFileName().toString()) ? DumpfileParser.Mode.LENIENT : DumpfileParser.Mode.STRICT;
    }

    static ComposefsImageWriter.Options options(Path dump) throws IOException {
        Path v = dump.resolveSibling(dump.getFileName() + ".version");
        return Files.exists(v)
                ? ComposefsImageWriter.Options.exactly(Integer.parseInt(Files.readString(v).trim()))
                : ComposefsImageWriter.Options.DEFAULT;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @TestFactory
    Stream<DynamicTest> imagesMatchMkcomposefs() throws IOException {
        return dumps(false).stream().map(dump -> DynamicTest.dynamicTest(dump.getFileName().toString(), () -> {
            Directory root = DumpfileParser.parse(Files.readAllBytes(dump), mode(dump));
            byte[] image = ComposefsImageWriter.toBytes(root, options(dump));
            String expected = Files.readString(dump.resolveSibling(dump.getFileName() + ".sha256")).trim();
            assertEquals(expected, sha256(image), "sha256 of the image written from " + dump.getFileName());
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidDumpsAreRejected() throws IOException {
        return dumps(true).stream().map(dump -> DynamicTest.dynamicTest(dump.getFileName().toString(), () -> {
            IOException e = assertThrows(IOException.class, () -> {
                Directory root = DumpfileParser.parse(Files.readAllBytes(dump), DumpfileParser.Mode.STRICT);
                ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT);
            });
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "error message is empty");
        }));
    }
}
