package org.cfsj.erofs.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
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

    /** mkcomposefs --from-file's path: the dumpfile parsed straight into the writer's tree, read in small chunks. */
    @TestFactory
    Stream<DynamicTest> imagesFromTheDirectParseMatchMkcomposefs() throws IOException {
        return ConformanceDumps.list(false).stream().map(dump -> DynamicTest.dynamicTest(dump.getFileName().toString(), () -> {
            WriterTree tree;
            try (var in = new OneByteAtATime(Files.readAllBytes(dump))) {
                tree = DumpfileParser.parseForImage(in, ConformanceDumps.mode(dump));
            }
            byte[] image = ComposefsImageWriter.toBytes(tree, ConformanceDumps.options(dump));
            assertEquals(ConformanceDumps.expectedSha256(dump), ConformanceDumps.sha256(image),
                    "sha256 of the image written from " + dump.getFileName());
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidDumpsAreRejectedByTheDirectParse() throws IOException {
        return ConformanceDumps.list(true).stream().map(dump -> DynamicTest.dynamicTest(dump.getFileName().toString(), () -> {
            IOException e = assertThrows(IOException.class, () -> {
                WriterTree tree = DumpfileParser.parseForImage(new ByteArrayInputStream(Files.readAllBytes(dump)),
                        DumpfileParser.Mode.STRICT);
                ComposefsImageWriter.toBytes(tree, ComposefsImageWriter.Options.DEFAULT);
            });
            String direct = e.getMessage();
            IOException viaModel = assertThrows(IOException.class, () -> {
                Directory root = DumpfileParser.parse(Files.readAllBytes(dump), DumpfileParser.Mode.STRICT);
                ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT);
            });
            assertEquals(viaModel.getMessage(), direct, "both paths refuse with the same message");
        }));
    }

    /** A stream that returns at most one byte per read: every line crosses a buffer refill. */
    private static final class OneByteAtATime extends ByteArrayInputStream {
        OneByteAtATime(byte[] b) {
            super(b);
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1));
        }
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
