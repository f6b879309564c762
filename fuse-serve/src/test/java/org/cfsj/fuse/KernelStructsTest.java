package org.cfsj.fuse;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cfsj.fuse.kernel.*;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The struct records against the kernel's header: sizes and every field offset as a C compiler
 * sees them (gcc + fuse_kernel.h / linux/fuse.h), and that write-then-read gives the same record.
 */
class KernelStructsTest {
    /** Java record -> C struct, with sizes from protocol 7.45's fuse_kernel.h. */
    static final Map<Class<?>, String> STRUCTS = new LinkedHashMap<>();
    static final Map<Class<?>, Integer> SIZES = new LinkedHashMap<>();

    static {
        add(InHeader.class, "fuse_in_header", 40);
        add(OutHeader.class, "fuse_out_header", 16);
        add(Attr.class, "fuse_attr", 88);
        add(SxTime.class, "fuse_sx_time", 16);
        add(Statx.class, "fuse_statx", 256);
        add(Kstatfs.class, "fuse_kstatfs", 80);
        add(EntryOut.class, "fuse_entry_out", 128);
        add(ForgetIn.class, "fuse_forget_in", 8);
        add(ForgetOne.class, "fuse_forget_one", 16);
        add(BatchForgetIn.class, "fuse_batch_forget_in", 8);
        add(GetattrIn.class, "fuse_getattr_in", 16);
        add(AttrOut.class, "fuse_attr_out", 104);
        add(StatxIn.class, "fuse_statx_in", 24);
        add(StatxOut.class, "fuse_statx_out", 288);
        add(OpenIn.class, "fuse_open_in", 8);
        add(OpenOut.class, "fuse_open_out", 16);
        add(ReleaseIn.class, "fuse_release_in", 24);
        add(FlushIn.class, "fuse_flush_in", 24);
        add(ReadIn.class, "fuse_read_in", 40);
        add(StatfsOut.class, "fuse_statfs_out", 80);
        add(GetxattrIn.class, "fuse_getxattr_in", 8);
        add(GetxattrOut.class, "fuse_getxattr_out", 8);
        add(AccessIn.class, "fuse_access_in", 8);
        add(InitIn.class, "fuse_init_in", 64);
        add(InitOut.class, "fuse_init_out", 64);
        add(InterruptIn.class, "fuse_interrupt_in", 8);
        add(LseekIn.class, "fuse_lseek_in", 24);
        add(LseekOut.class, "fuse_lseek_out", 8);
        add(DirentHeader.class, "fuse_dirent", 24);
        add(BackingMap.class, "fuse_backing_map", 16);
        add(NotifyStoreOut.class, "fuse_notify_store_out", 24);
        add(UringCmdReq.class, "fuse_uring_cmd_req", 24);
        add(UringEntInOut.class, "fuse_uring_ent_in_out", 32);
    }

    private static void add(Class<?> c, String struct, int size) {
        STRUCTS.put(c, struct);
        SIZES.put(c, size);
    }

    @TempDir
    Path tmp;

    private static int constant(Class<?> c, String name) throws ReflectiveOperationException {
        return c.getField(name).getInt(null);
    }

    @Test
    void sizesMatchProtocol745() throws Exception {
        for (var e : SIZES.entrySet()) {
            assertEquals(e.getValue(), constant(e.getKey(), "SIZE"), e.getKey().getSimpleName());
        }
        assertEquals(0x8004E500L, Kernel.DEV_IOC_CLONE);
        assertEquals(0x4010E501L, Kernel.DEV_IOC_BACKING_OPEN);
        assertEquals(0x4004E502L, Kernel.DEV_IOC_BACKING_CLOSE);
        assertEquals(32, Kernel.direntSize(1));
        assertEquals(32, Kernel.direntSize(8));
        assertEquals(40, Kernel.direntSize(9));
        assertEquals(160, Kernel.direntPlusSize(3));
        assertEquals(288, UringHeader.SIZE);
        assertEquals(1L << 41, Kernel.OVER_IO_URING);
    }

    private static Path header() {
        Path header = Stream.of(System.getProperty("fuse.kernel.header"), "/tmp/ref/fuse_kernel.h",
                        "/usr/include/linux/fuse.h")
                .filter(p -> p != null && Files.exists(Path.of(p))).map(Path::of).findFirst().orElse(null);
        Assumptions.assumeTrue(header != null, "SKIPPED: no fuse_kernel.h / linux/fuse.h to compare with");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "SKIPPED: gcc is not installed");
        return header;
    }

    /**
     * The FUSE-over-io_uring header layout, commands and INIT flag (protocol 7.42+; Debian 12's
     * linux/fuse.h is older: give a newer fuse_kernel.h with -Dfuse.kernel.header=PATH).
     */
    @Test
    void uringHeaderMatchesTheCHeader() throws Exception {
        Path header = header();
        String src = "#include <stdint.h>\n#include <stddef.h>\n#include <stdio.h>\n#include \"" + header + "\"\n"
                + "int main(void) { printf(\"%zu %zu %zu %zu %d %d %d %d %llu\\n\","
                + " sizeof(struct fuse_uring_req_header), offsetof(struct fuse_uring_req_header, in_out),"
                + " offsetof(struct fuse_uring_req_header, op_in), offsetof(struct fuse_uring_req_header, ring_ent_in_out),"
                + " FUSE_URING_IN_OUT_HEADER_SZ, FUSE_URING_OP_IN_OUT_SZ, FUSE_IO_URING_CMD_REGISTER,"
                + " FUSE_IO_URING_CMD_COMMIT_AND_FETCH, (unsigned long long) FUSE_OVER_IO_URING); return 0; }\n";
        Path cfile = Files.writeString(tmp.resolve("uring.c"), src);
        Path exe = tmp.resolve("uring");
        Result gcc = Command.of("gcc", "-o", exe.toString(), cfile.toString()).env("LC_ALL", "C").mergeStderr().run();
        Assumptions.assumeTrue(gcc.exit() == 0 || !gcc.out().contains("fuse_uring"),
                "SKIPPED: " + header + " predates FUSE over io_uring (protocol 7.42); the ring header layout is NOT"
                        + " checked against C (give -Dfuse.kernel.header=PATH to a newer fuse_kernel.h)");
        assertEquals(0, gcc.exit(), gcc.out());
        Result run = Command.of(exe.toString()).run();
        assertEquals(0, run.exit());
        assertEquals(UringHeader.SIZE + " " + UringHeader.IN_OUT_OFFSET + " " + UringHeader.OP_IN_OFFSET + " "
                + UringHeader.RING_ENT_IN_OUT_OFFSET + " " + UringHeader.IN_OUT_HEADER_SZ + " " + UringHeader.OP_IN_OUT_SZ
                + " " + UringHeader.CMD_REGISTER + " " + UringHeader.CMD_COMMIT_AND_FETCH + " " + Kernel.OVER_IO_URING,
                run.out().strip());
    }

    /** Offsets of every field as gcc lays out the header's structs. */
    @Test
    void offsetsMatchTheCHeader() throws Exception {
        Path header = header();
        List<String> checked = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        for (var e : STRUCTS.entrySet()) {
            Class<?> c = e.getKey();
            List<String> fields = new ArrayList<>();
            for (Field f : c.getFields()) {
                if (f.getName().endsWith("_OFFSET") && Modifier.isStatic(f.getModifiers())) {
                    fields.add(f.getName());
                }
            }
            // An older header (Debian's linux/fuse.h is 7.38) lacks newer structs and fields: drop
            // the fields gcc says are missing and compare the rest; drop the struct if it is missing.
            String out = null;
            while (out == null) {
                String gccErrors = compileAndRun(c, e.getValue(), header, fields);
                if (gccErrors == null) {
                    out = lastOutput;
                    break;
                }
                var missing = java.util.regex.Pattern.compile("has no member named '([a-z0-9_]+)'").matcher(gccErrors);
                List<String> drop = new ArrayList<>();
                while (missing.find()) {
                    drop.add(offsetConstant(c, missing.group(1)));
                }
                if (drop.isEmpty() || !fields.removeAll(drop)) {
                    absent.add(c.getSimpleName());
                    break;
                }
                absent.addAll(drop.stream().map(d -> c.getSimpleName() + "." + d).toList());
            }
            if (out == null) {
                continue;
            }
            for (String line : out.lines().toList()) {
                String[] kv = line.split(" ");
                if (kv[0].equals("SIZE") && !absent.stream().anyMatch(a -> a.startsWith(c.getSimpleName() + "."))) {
                    assertEquals(Integer.parseInt(kv[1]), constant(c, "SIZE"), c.getSimpleName() + ".SIZE in " + header);
                } else if (!kv[0].equals("SIZE")) {
                    assertEquals(Integer.parseInt(kv[1]), constant(c, kv[0]), c.getSimpleName() + "." + kv[0] + " in " + header);
                }
            }
            checked.add(c.getSimpleName());
        }
        System.out.println("KernelStructsTest: " + header + " lacks " + absent);
        assertTrue(checked.containsAll(List.of("InHeader", "OutHeader", "Attr", "EntryOut", "AttrOut", "OpenOut",
                "ReadIn", "InitIn", "InitOut", "Kstatfs", "DirentHeader", "GetxattrIn")), "checked: " + checked);
    }

    private String lastOutput;

    /** Compiles and runs the offset printer; returns gcc's messages if it did not compile, else null. */
    private String compileAndRun(Class<?> c, String struct, Path header, List<String> fields) throws Exception {
        StringBuilder src = new StringBuilder("#include <stdint.h>\n#include <stddef.h>\n#include <stdio.h>\n#include \""
                + header + "\"\nint main(void) {\n");
        src.append("printf(\"SIZE %zu\\n\", sizeof(struct ").append(struct).append("));\n");
        for (String f : fields) {
            src.append("printf(\"").append(f).append(" %zu\\n\", offsetof(struct ").append(struct).append(", ")
                    .append(memberName(c, f)).append("));\n");
        }
        src.append("return 0; }\n");
        Path cfile = tmp.resolve(c.getSimpleName() + ".c");
        Path exe = tmp.resolve(c.getSimpleName());
        Files.writeString(cfile, src);
        // LC_ALL=C: plain quotes in the messages parsed above
        Result gcc = Command.of("gcc", "-o", exe.toString(), cfile.toString()).env("LC_ALL", "C").mergeStderr().run();
        if (gcc.exit() != 0) {
            return gcc.out();
        }
        Result run = Command.of(exe.toString()).run();
        lastOutput = run.out();
        assertEquals(0, run.exit());
        return null;
    }

    private static String memberName(Class<?> c, String offsetConstant) {
        String cname = offsetConstant.substring(0, offsetConstant.length() - 7).toLowerCase();
        return c == SxTime.class && cname.equals("reserved") ? "__reserved" : cname;
    }

    private static String offsetConstant(Class<?> c, String member) {
        String m = c == SxTime.class && member.equals("__reserved") ? "reserved" : member;
        return m.toUpperCase() + "_OFFSET";
    }

    /** write(read(x)) == x for every record, with distinct values in every field. */
    @Test
    void recordsRoundTrip() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            for (Class<?> c : STRUCTS.keySet()) {
                Object value = sample(c, new long[] {1});
                MemorySegment seg = arena.allocate(512, 8);
                seg.fill((byte) 0x5A);
                Method write = c.getMethod("write", MemorySegment.class, long.class);
                write.invoke(value, seg, 8L);
                Object back = c.getMethod("read", MemorySegment.class, long.class).invoke(null, seg, 8L);
                assertEquals(value, back, c.getSimpleName());
                int size = constant(c, "SIZE");
                assertEquals((byte) 0x5A, seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 8 + size),
                        c.getSimpleName() + " writes past its size");
            }
        }
    }

    private static Object sample(Class<?> c, long[] counter) throws ReflectiveOperationException {
        RecordComponent[] rc = c.getRecordComponents();
        Object[] args = new Object[rc.length];
        Class<?>[] types = new Class<?>[rc.length];
        for (int i = 0; i < rc.length; i++) {
            types[i] = rc[i].getType();
            long v = counter[0]++;
            if (types[i] == long.class) {
                args[i] = v * 0x0101010101L;
            } else if (types[i] == int.class) {
                // u16 fields only keep 16 bits
                args[i] = (int) (v * 7 % 30000);
            } else {
                args[i] = sample(types[i], counter);
            }
        }
        Constructor<?> ctor = c.getDeclaredConstructor(types);
        return ctor.newInstance(args);
    }

    private interface Stream {
        static java.util.stream.Stream<String> of(String... s) {
            return java.util.Arrays.stream(s);
        }
    }
}
