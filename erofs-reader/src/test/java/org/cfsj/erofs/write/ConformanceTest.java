package org.cfsj.erofs.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.cfsj.dump.DumpfileParser;
import org.cfsj.tree.Directory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The C composefs test vectors ({@link ConformanceDumps}): every dumpfile must give the image
 * whose sha256 C mkcomposefs gives, and every should-fail file must be rejected.
 */
class ConformanceTest {
    @TestFactory
    Stream<DynamicTest> imagesMatchMkcomposefs() throws IOException {
        return ConformanceDumps.list(false).stream().map(dump -> DynamicTest.dynamicTest(dump.getFileName().toString(), () -> {
            byte[] image = ConformanceDumps.image(dump);
            assertEquals(ConformanceDumps.expectedSha256(dump), ConformanceDumps.sha256(image),
                    "sha256 of the image written from " + dump.getFileName());
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidDumpsAreRejected() throws IOException {
        return ConformanceDumps.list(true).stream().map(dump -> DynamicTest.dynamicTest(dump.getFileName().toString(), () -> {
            IOException e = assertThrows(IOException.class, () -> {
                Directory root = DumpfileParser.parse(Files.readAllBytes(dump), DumpfileParser.Mode.STRICT);
                ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT);
            });
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "error message is empty");
        }));
    }
}
