import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.sys.Epoll;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.Sockets;
import org.cfsj.sys.SysException;

/**
 * bench/service.sh's client of {@code cfsj serve}: what a container engine would do with the
 * service, timed from inside one JVM so that no JVM start is in a sample. Raw varlink (NUL-ended
 * JSON on a unix socket, fds as SCM_RIGHTS) over org.cfsj.sys's socket calls, waiting in epoll.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp cli/target/cfsj.jar bench/ServiceClient.java \
 *       latency SOCKET IMAGE N DIR OPTIONS    # N × (OciMount, attach at DIR, umount): request-to-reply ms, one a line
 *   ... mount SOCKET IMAGE DIR OPTIONS [UPPER WORK]   # one OciMount attached at DIR (stays); prints its ms
 * </pre>
 *
 * OPTIONS is OciMount's options object, e.g. {} or {"fuse":false,"insecure":true}; with UPPER
 * and WORK it gets overlay and read_write and those directories as fds.
 */
public class ServiceClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final int socket;
    private final int epoll;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final List<Integer> pendingFds = new ArrayList<>();

    private ServiceClient(String path) throws IOException {
        socket = Sockets.connect(path);
        epoll = Epoll.create();
        Epoll.control(epoll, Epoll.EPOLL_CTL_ADD, socket, Epoll.EPOLLIN);
    }

    record Reply(JsonNode message, int[] fds) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: ServiceClient latency SOCKET IMAGE N DIR OPTIONS | mount SOCKET IMAGE DIR OPTIONS [UPPER WORK]");
            System.exit(2);
        }
        ServiceClient c = new ServiceClient(args[1]);
        long h = c.call("org.composefs.Repository.OpenRepository", "{\"system\":true}").message()
                .path("parameters").path("handle").asLong(-1);
        if (h < 0) {
            throw new IOException("OpenRepository failed");
        }
        switch (args[0]) {
            case "latency" -> {
                int n = Integer.parseInt(args[3]);
                for (int i = 0; i < n; i++) {
                    System.out.printf("%.3f%n", c.mount(h, args[2], args[4], args[5], null, null) / 1e6);
                    umount(args[4]);
                }
            }
            case "mount" -> {
                String upper = args.length > 6 ? args[5] : null;
                String work = args.length > 6 ? args[6] : null;
                System.out.printf("%.3f%n", c.mount(h, args[2], args[3], args[4], upper, work) / 1e6);
            }
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    /** One OciMount, attached at {@code dir}; the ns from request to reply. */
    private long mount(long h, String image, String dir, String options, String upper, String work) throws IOException {
        ObjectNode o = (ObjectNode) JSON.readTree(options);
        int[] fds = new int[0];
        if (upper != null) {
            o.put("overlay", true).put("read_write", true);
            fds = new int[] {open(upper), open(work)};
        }
        String params = "{\"handle\":" + h + ",\"image\":" + JSON.writeValueAsString(image) + ",\"bootable\":false,\"options\":"
                + JSON.writeValueAsString(o) + "}";
        long t0 = System.nanoTime();
        Reply r = call("org.composefs.Oci.OciMount", params, fds);
        long t1 = System.nanoTime();
        for (int fd : fds) {
            FileCalls.close(fd);
        }
        try {
            if (r.message().has("error")) {
                throw new IOException("OciMount: " + r.message());
            }
            int index = r.message().path("parameters").path("fd_index").asInt(-1);
            FilesystemContext.moveMount(r.fds()[index], FileCalls.AT_FDCWD, dir);
        } finally {
            for (int fd : r.fds()) {
                FileCalls.close(fd);
            }
        }
        return t1 - t0;
    }

    private static int open(String dir) throws IOException {
        return FileCalls.open(dir, FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
    }

    /** umount2 without MNT_DETACH; the service may close its copy of the mount fd a moment after replying. */
    private static void umount(String dir) throws Exception {
        for (int i = 0; ; i++) {
            try {
                MountCalls.umount2(dir, 0);
                return;
            } catch (SysException e) {
                if (e.errno() != Errno.EBUSY || i > 400) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
    }

    private Reply call(String method, String params, int... fds) throws IOException {
        ObjectNode call = JSON.createObjectNode();
        call.put("method", method);
        call.set("parameters", JSON.readTree(params));
        byte[] bytes = JSON.writeValueAsBytes(call);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            long sent = Sockets.send(socket, data, fds);
            if (sent != data.byteSize()) {
                throw new IOException("short send");
            }
            MemorySegment buf = arena.allocate(64 * 1024);
            while (true) {
                byte[] have = pending.toByteArray();
                for (int i = 0; i < have.length; i++) {
                    if (have[i] == 0) {
                        pending.reset();
                        pending.write(have, i + 1, have.length - i - 1);
                        int[] got = pendingFds.stream().mapToInt(Integer::intValue).toArray();
                        pendingFds.clear();
                        return new Reply(JSON.readTree(new String(have, 0, i, StandardCharsets.UTF_8)), got);
                    }
                }
                Sockets.Received r = Sockets.receive(socket, buf);
                if (r == null) {
                    if (Epoll.await(epoll, 1, 120_000).length == 0) {
                        throw new IOException("no reply within 120 s");
                    }
                    continue;
                }
                if (r.bytes() == 0) {
                    throw new IOException("the service closed the connection");
                }
                pending.write(buf.asSlice(0, r.bytes()).toArray(ValueLayout.JAVA_BYTE), 0, (int) r.bytes());
                for (int fd : r.fds()) {
                    pendingFds.add(fd);
                }
            }
        }
    }
}
