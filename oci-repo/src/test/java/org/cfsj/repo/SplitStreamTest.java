package org.cfsj.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cfsj.repo.splitstream.Chunk;
import org.cfsj.repo.splitstream.SplitStreamFormat;
import org.cfsj.repo.splitstream.SplitStreamReader;
import org.cfsj.repo.splitstream.SplitStreamWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitStreamTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripInlineExternalAndNamedRefs() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] big = new byte[10_000];
        new java.util.Random(1).nextBytes(big);
        ObjectId other = repo.objects().store(new byte[] {9});

        SplitStreamWriter w = new SplitStreamWriter(repo.objects(), SplitStreamFormat.CONTENT_OCI_LAYER);
        w.writeInline(new byte[] {1, 2, 3});
        w.writeInline(new byte[] {4});
        ObjectId bigId = w.writeExternal(big);
        w.writeInline(new byte[] {5});
        w.writeExternal(bigId, big.length); // same object twice: one object ref
        w.addNamedRef("zeta", other);
        w.addNamedRef("alpha", bigId);
        ObjectId id = w.finish();

        SplitStreamReader r = SplitStreamReader.open(repo.objects(), id);
        assertEquals(SplitStreamFormat.CONTENT_OCI_LAYER, r.contentType());
        assertEquals(3 + 1 + big.length + 1 + big.length, r.streamSize());
        assertEquals(List.of(bigId), r.objectRefs());
        assertEquals(Map.of("alpha", bigId, "zeta", other), r.namedRefs());
        // stream refs in name order of the named refs
        assertEquals(List.of(bigId, other), r.streamRefs());

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[] {1, 2, 3, 4});
        expected.write(big);
        expected.write(5);
        expected.write(big);
        assertArrayEquals(expected.toByteArray(), r.readContent());

        try (var it = r.chunks()) {
            assertArrayEquals(new byte[] {1, 2, 3, 4}, assertInstanceOf(Chunk.Inline.class, it.next()).data());
            assertEquals(bigId, assertInstanceOf(Chunk.External.class, it.next()).id());
            assertInstanceOf(Chunk.Inline.class, it.next());
            assertInstanceOf(Chunk.External.class, it.next());
            assertEquals(null, it.next());
        }

        // Header fields as doc/splitstream.md lays them out.
        byte[] file = repo.objects().read(id);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("SplitStream", new String(file, 0, 11, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, file[11]);
        assertEquals(1, file[14]);
        assertEquals(12, file[15]);
        assertEquals(32, b.getLong(16));
        assertEquals(112, b.getLong(24));
        assertEquals("ocilayer", new String(file, 32 + 64, 8, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void sameInputSameId() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        ObjectId a = write(repo);
        ObjectId b = write(repo);
        assertEquals(a, b);
        assertEquals(0, SplitStreamReader.open(repo.objects(), a).readContent().length - 5);
    }

    private static ObjectId write(Repository repo) throws IOException {
        SplitStreamWriter w = new SplitStreamWriter(repo.objects(), SplitStreamFormat.CONTENT_OCI_BLOB);
        w.writeInline(new byte[] {1, 2, 3, 4, 5});
        return w.finish();
    }

    @Test
    void emptyStreamAndWrongContentType() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        ObjectId id = new SplitStreamWriter(repo.objects(), SplitStreamFormat.CONTENT_OCI_CONFIG).finish();
        SplitStreamReader r = SplitStreamReader.open(repo.objects(), id);
        assertEquals(0, r.readContent().length);
        assertTrue(r.namedRefs().isEmpty());
        var e = assertThrows(RepositoryException.class,
                () -> r.requireContentType(SplitStreamFormat.CONTENT_OCI_LAYER, "a layer"));
        assertTrue(e.getMessage().contains("is not a layer"), e.getMessage());
        ObjectId notStream = repo.objects().store(new byte[100]);
        assertThrows(RepositoryException.class, () -> SplitStreamReader.open(repo.objects(), notStream));
    }
}
