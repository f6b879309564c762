package org.cfsj.fuse;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.cfsj.fuse.kernel.*;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.Sockets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests as bytes in, replies as bytes out (over a socket pair instead of /dev/fuse): the
 * encoding of requests and replies, and that malformed or unsupported requests get an errno
 * instead of killing the worker.
 */
class DispatcherTest {
    private Arena arena;
    private int[] pair;
    private Dispatcher dispatcher;
    private Stats stats;
    private MemorySegment in;
    private MemorySegment out;

    @BeforeEach
    void setUp() throws Exception {
        arena = Arena.ofConfined();
        pair = Sockets.socketpair(Sockets.AF_UNIX, Sockets.SOCK_SEQPACKET);
        stats = new Stats();
        Reply reply = new DeviceReply(pair[0], arena.allocate(Worker.OUT_BUFFER_SIZE, 8), arena.allocate(32, 8));
        dispatcher = new Dispatcher(new MemoryFs(), stats, reply);
        in = arena.allocate(1 << 16, 8);
        out = arena.allocate(1 << 16, 8);
    }

    @AfterEach
    void tearDown() {
        FileCalls.close(pair[0]);
        FileCalls.close(pair[1]);
        arena.close();
    }

    /** Builds a request (header + body), dispatches it, returns the reply's length (0: none). */
    private int request(int opcode, long nodeid, byte[] body) throws Exception {
        int len = InHeader.SIZE + body.length;
        new InHeader(len, opcode, 77, nodeid, 0, 0, 1, 0, 0).write(in, 0);
        MemorySegment.copy(body, 0, in, ValueLayout.JAVA_BYTE, InHeader.SIZE, body.length);
        dispatcher.handle(in, len);
        return awaitReply();
    }

    /** The next reply (SEQPACKET keeps each writev one message, as /dev/fuse does). */
    private int awaitReply() throws Exception {
        return (int) Io.read(pair[1], out, out.byteSize());
    }

    private OutHeader header() {
        return OutHeader.read(out, 0);
    }

    private static byte[] cstr(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }

    private static byte[] bytes(int size, java.util.function.Consumer<MemorySegment> fill) {
        MemorySegment s = MemorySegment.ofArray(new byte[size]);
        fill.accept(s);
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void lookupEncodesAnEntryAndMissingNamesAreCachedNegatives() throws Exception {
        int n = request(Opcode.LOOKUP.code(), 1, cstr("hello"));
        assertEquals(OutHeader.SIZE + EntryOut.SIZE, n);
        assertEquals(new OutHeader(n, 0, 77), header());
        EntryOut e = EntryOut.read(out, OutHeader.SIZE);
        assertEquals(MemoryFs.HELLO_NODE, e.nodeid());
        assertEquals(MemoryFs.HELLO.length, e.attr().size());
        assertEquals(0100644, e.attr().mode());
        assertEquals(1000, e.attr().uid());
        assertTrue(e.entryValid() > 86400, "long timeouts: the image never changes");

        n = request(Opcode.LOOKUP.code(), 1, cstr("missing"));
        EntryOut negative = EntryOut.read(out, OutHeader.SIZE);
        assertEquals(0, header().error());
        assertEquals(0, negative.nodeid(), "nodeid 0 = cacheable negative entry");
        assertTrue(negative.entryValid() > 0);
    }

    @Test
    void readReadlinkAndXattrConventions() throws Exception {
        int n = request(Opcode.READ.code(), MemoryFs.HELLO_NODE,
                bytes(ReadIn.SIZE, s -> new ReadIn(0, 7, 100, 0, 0, 0, 0).write(s, 0)));
        assertEquals("world\n", new String(out.asSlice(OutHeader.SIZE, n - OutHeader.SIZE).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII));
        n = request(Opcode.READLINK.code(), MemoryFs.LINK_NODE, new byte[0]);
        assertEquals(OutHeader.SIZE + 5, n);
        byte[] probe = bytes(GetxattrIn.SIZE + 14, s -> {
            new GetxattrIn(0, 0).write(s, 0);
            MemorySegment.copy(cstr("user.greeting"), 0, s, ValueLayout.JAVA_BYTE, GetxattrIn.SIZE, 14);
        });
        request(Opcode.GETXATTR.code(), MemoryFs.HELLO_NODE, probe);
        assertEquals(2, GetxattrOut.read(out, OutHeader.SIZE).size(), "size 0 asks for the length");
        byte[] tooSmall = probe.clone();
        tooSmall[0] = 1;
        request(Opcode.GETXATTR.code(), MemoryFs.HELLO_NODE, tooSmall);
        assertEquals(-Errno.ERANGE, header().error());
        request(Opcode.LISTXATTR.code(), MemoryFs.HELLO_NODE, bytes(GetxattrIn.SIZE, s -> new GetxattrIn(100, 0).write(s, 0)));
        assertEquals("user.greeting\0", new String(out.asSlice(OutHeader.SIZE, 14).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII));
    }

    @Test
    void listxattrSizeProbeTooSmallAndNone() throws Exception {
        request(Opcode.LISTXATTR.code(), MemoryFs.HELLO_NODE, bytes(GetxattrIn.SIZE, s -> new GetxattrIn(0, 0).write(s, 0)));
        assertEquals(14, GetxattrOut.read(out, OutHeader.SIZE).size(), "size 0 asks for the length of the names");
        request(Opcode.LISTXATTR.code(), MemoryFs.HELLO_NODE, bytes(GetxattrIn.SIZE, s -> new GetxattrIn(13, 0).write(s, 0)));
        assertEquals(-Errno.ERANGE, header().error(), "one byte short");
        int n = request(Opcode.LISTXATTR.code(), MemoryFs.HELLO_NODE, bytes(GetxattrIn.SIZE, s -> new GetxattrIn(14, 0).write(s, 0)));
        assertEquals(OutHeader.SIZE + 14, n, "exactly the names");
        request(Opcode.LISTXATTR.code(), MemoryFs.LINK_NODE, bytes(GetxattrIn.SIZE, s -> new GetxattrIn(0, 0).write(s, 0)));
        assertEquals(0, GetxattrOut.read(out, OutHeader.SIZE).size(), "no xattrs");
        n = request(Opcode.LISTXATTR.code(), MemoryFs.LINK_NODE, bytes(GetxattrIn.SIZE, s -> new GetxattrIn(100, 0).write(s, 0)));
        assertEquals(OutHeader.SIZE, n, "an empty list");
        assertEquals(0, header().error());
    }

    @Test
    void readdirRecordsAreAlignedAndCarryTheNextOffset() throws Exception {
        int n = request(Opcode.READDIR.code(), 1, bytes(ReadIn.SIZE, s -> new ReadIn(0, 2, 4096, 0, 0, 0, 0).write(s, 0)));
        // entries 2..4: hello, link, sub
        long at = OutHeader.SIZE;
        String[] names = {"hello", "link", "sub"};
        for (int i = 0; i < 3; i++) {
            DirentHeader d = DirentHeader.read(out, at);
            assertEquals(names[i].length(), d.namelen());
            assertEquals(i + 3, d.off(), "offset of the next entry");
            at += Kernel.direntSize(d.namelen());
        }
        assertEquals(n, at);
        // a buffer too small for even one record gives an empty reply, not an error
        n = request(Opcode.READDIR.code(), 1, bytes(ReadIn.SIZE, s -> new ReadIn(0, 0, 16, 0, 0, 0, 0).write(s, 0)));
        assertEquals(OutHeader.SIZE, n);
        assertEquals(0, header().error());
    }

    @Test
    void malformedUnknownAndWriteRequestsGetErrnosAndTheWorkerGoesOn() throws Exception {
        request(Opcode.LOOKUP.code(), 1, "no-nul".getBytes(StandardCharsets.US_ASCII));
        assertEquals(-Errno.EINVAL, header().error());
        request(Opcode.READ.code(), 2, new byte[8]);
        assertEquals(-Errno.EINVAL, header().error(), "body shorter than fuse_read_in");
        request(99, 1, new byte[0]);
        assertEquals(-Errno.ENOSYS, header().error());
        request(Opcode.MKDIR.code(), 1, new byte[16]);
        assertEquals(-Errno.EROFS, header().error());
        request(Opcode.SETXATTR.code(), 1, new byte[16]);
        assertEquals(-Errno.EROFS, header().error());
        request(Opcode.GETATTR.code(), 12345, new byte[16]);
        assertEquals(-Errno.ENOENT, header().error(), "the filesystem's errno");
        request(Opcode.OPEN.code(), 2, bytes(OpenIn.SIZE, s -> new OpenIn(2 /* O_RDWR */, 0).write(s, 0)));
        assertEquals(-Errno.EROFS, header().error());
        // a length field that disagrees with what was read
        new InHeader(999, Opcode.GETATTR.code(), 5, 1, 0, 0, 0, 0, 0).write(in, 0);
        dispatcher.handle(in, InHeader.SIZE + 16);
        awaitReply();
        assertEquals(-Errno.EINVAL, header().error());
        // still serving
        request(Opcode.GETATTR.code(), 1, new byte[16]);
        assertEquals(0, header().error());
        assertEquals(0040755, AttrOut.read(out, OutHeader.SIZE).attr().mode());
        assertEquals(9, stats.requests());
    }

    @Test
    void opensAskForNoFlushAndFlushIsNotImplemented() throws Exception {
        request(Opcode.OPEN.code(), MemoryFs.HELLO_NODE, bytes(OpenIn.SIZE, s -> new OpenIn(0, 0).write(s, 0)));
        assertEquals(0, header().error());
        OpenOut open = OpenOut.read(out, OutHeader.SIZE);
        assertEquals(Kernel.FOPEN_KEEP_CACHE | Kernel.FOPEN_NOFLUSH, open.openFlags());
        // ENOSYS, not 0: the kernel then stops sending FLUSH on every close(2)
        request(Opcode.FLUSH.code(), MemoryFs.HELLO_NODE, new byte[FlushIn.SIZE]);
        assertEquals(-Errno.ENOSYS, header().error());
    }

    @Test
    void openLessFilesystemsAnswerOpenWithEnosysAndServeReadsWithHandleZero() throws Exception {
        dispatcher = new Dispatcher(new MemoryFs(true), stats, new DeviceReply(pair[0], arena.allocate(Worker.OUT_BUFFER_SIZE, 8),
                arena.allocate(32, 8)));
        request(Opcode.OPEN.code(), MemoryFs.HELLO_NODE, bytes(OpenIn.SIZE, s -> new OpenIn(0, 0).write(s, 0)));
        assertEquals(-Errno.ENOSYS, header().error(), "FUSE_NO_OPEN_SUPPORT: the kernel opens files itself");
        request(Opcode.OPENDIR.code(), org.cfsj.fuse.fs.ReadOnlyFilesystem.ROOT, bytes(OpenIn.SIZE, s -> new OpenIn(0, 0).write(s, 0)));
        assertEquals(-Errno.ENOSYS, header().error(), "and directories");
        // a write open is still refused as such
        request(Opcode.OPEN.code(), MemoryFs.HELLO_NODE, bytes(OpenIn.SIZE, s -> new OpenIn(1 /* O_WRONLY */, 0).write(s, 0)));
        assertEquals(-Errno.EROFS, header().error());
        int n = request(Opcode.READ.code(), MemoryFs.HELLO_NODE, bytes(ReadIn.SIZE, s -> new ReadIn(0, 0, 4096, 0, 0, 0, 0).write(s, 0)));
        assertEquals(0, header().error());
        assertArrayEquals(MemoryFs.HELLO, out.asSlice(OutHeader.SIZE, n - OutHeader.SIZE).toArray(ValueLayout.JAVA_BYTE));
    }
}
