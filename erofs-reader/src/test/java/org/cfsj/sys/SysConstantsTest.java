package org.cfsj.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every number this package hands the kernel or reads back, checked against the C headers as gcc
 * sees them, for x86_64 (the host gcc) and aarch64 ({@code aarch64-linux-gnu-gcc}, Debian package
 * {@code gcc-aarch64-linux-gnu}): each constant becomes a {@code _Static_assert} in a C file that
 * is only compiled, never run, so the cross compiler needs no aarch64 machine.
 *
 * <p>The constants are found by reflection: a new {@code static final} number in one of the
 * binding classes fails {@link #everyConstantIsChecked} until it has a C expression here (its own
 * name, if that is the C macro) or a stated reason why no header defines it.
 */
class SysConstantsTest {
    /** The classes whose numeric constants reach the kernel. */
    private static final List<Class<?>> BINDINGS = List.of(FileCalls.class, StatCalls.class, Io.class, Errno.class,
            FileLocks.class, FileSystemCalls.class, VerityIoctl.class, MountCalls.class, FilesystemContext.class, Processes.class, Sockets.class, Epoll.class,
            Mappings.class, IoUring.class);

    /** Constants whose C counterpart is not a macro of the same name. */
    private static final Map<String, String> C_EXPRESSIONS = Map.ofEntries(
            Map.entry("FileCalls.OPEN_HOW_SIZE", "sizeof(struct open_how)"),
            Map.entry("FileCalls.DIRENT64_RECLEN_OFFSET", "offsetof(struct dirent64, d_reclen)"),
            Map.entry("FileCalls.DIRENT64_NAME_OFFSET", "offsetof(struct dirent64, d_name)"),
            Map.entry("StatCalls.STATX_SIZE", "sizeof(struct statx)"),
            Map.entry("StatCalls.NLINK_OFFSET", "offsetof(struct statx, stx_nlink)"),
            Map.entry("StatCalls.UID_OFFSET", "offsetof(struct statx, stx_uid)"),
            Map.entry("StatCalls.GID_OFFSET", "offsetof(struct statx, stx_gid)"),
            Map.entry("StatCalls.MODE_OFFSET", "offsetof(struct statx, stx_mode)"),
            Map.entry("StatCalls.INO_OFFSET", "offsetof(struct statx, stx_ino)"),
            Map.entry("StatCalls.SIZE_OFFSET", "offsetof(struct statx, stx_size)"),
            Map.entry("StatCalls.CTIME_OFFSET", "offsetof(struct statx, stx_ctime)"),
            Map.entry("StatCalls.MTIME_OFFSET", "offsetof(struct statx, stx_mtime)"),
            Map.entry("StatCalls.RDEV_MAJOR_OFFSET", "offsetof(struct statx, stx_rdev_major)"),
            Map.entry("StatCalls.RDEV_MINOR_OFFSET", "offsetof(struct statx, stx_rdev_minor)"),
            Map.entry("StatCalls.DEV_MAJOR_OFFSET", "offsetof(struct statx, stx_dev_major)"),
            Map.entry("StatCalls.DEV_MINOR_OFFSET", "offsetof(struct statx, stx_dev_minor)"),
            Map.entry("StatCalls.NSEC_OFFSET", "offsetof(struct statx_timestamp, tv_nsec)"),
            Map.entry("Io.IOVEC_SIZE", "sizeof(struct iovec)"),
            Map.entry("VerityIoctl.ENABLE_ARG_SIZE", "sizeof(struct fsverity_enable_arg)"),
            Map.entry("VerityIoctl.DIGEST_HEADER_SIZE", "sizeof(struct fsverity_digest)"),
            Map.entry("Sockets.MSGHDR_SIZE", "sizeof(struct msghdr)"),
            Map.entry("Sockets.MSG_IOV_OFFSET", "offsetof(struct msghdr, msg_iov)"),
            Map.entry("Sockets.MSG_IOVLEN_OFFSET", "offsetof(struct msghdr, msg_iovlen)"),
            Map.entry("Sockets.MSG_CONTROL_OFFSET", "offsetof(struct msghdr, msg_control)"),
            Map.entry("Sockets.MSG_CONTROLLEN_OFFSET", "offsetof(struct msghdr, msg_controllen)"),
            Map.entry("Sockets.CMSG_LEVEL_OFFSET", "offsetof(struct cmsghdr, cmsg_level)"),
            Map.entry("Sockets.CMSG_TYPE_OFFSET", "offsetof(struct cmsghdr, cmsg_type)"),
            Map.entry("Sockets.CMSG_DATA_OFFSET", "CMSG_LEN(0)"),
            Map.entry("Sockets.MSG_FLAGS_OFFSET", "offsetof(struct msghdr, msg_flags)"),
            Map.entry("Sockets.SOCKADDR_UN_SIZE", "sizeof(struct sockaddr_un)"),
            Map.entry("Sockets.SUN_PATH_OFFSET", "offsetof(struct sockaddr_un, sun_path)"),
            Map.entry("Sockets.UCRED_SIZE", "sizeof(struct ucred)"),
            Map.entry("Sockets.UCRED_UID_OFFSET", "offsetof(struct ucred, uid)"),
            Map.entry("Sockets.UCRED_GID_OFFSET", "offsetof(struct ucred, gid)"),
            Map.entry("Epoll.EPOLL_EVENT_SIZE", "sizeof(struct epoll_event)"),
            Map.entry("FilesystemContext.MOUNT_ATTR_SIZE", "sizeof(struct mount_attr)"),
            Map.entry("Epoll.EPOLL_DATA_OFFSET", "offsetof(struct epoll_event, data)"),
            Map.entry("IoUring.SYS_IO_URING_SETUP", "SYS_io_uring_setup"),
            Map.entry("IoUring.SYS_IO_URING_ENTER", "SYS_io_uring_enter"),
            Map.entry("IoUring.PARAMS_SIZE", "sizeof(struct io_uring_params)"),
            Map.entry("IoUring.PARAMS_SQ_ENTRIES_OFFSET", "offsetof(struct io_uring_params, sq_entries)"),
            Map.entry("IoUring.PARAMS_CQ_ENTRIES_OFFSET", "offsetof(struct io_uring_params, cq_entries)"),
            Map.entry("IoUring.PARAMS_FLAGS_OFFSET", "offsetof(struct io_uring_params, flags)"),
            Map.entry("IoUring.PARAMS_FEATURES_OFFSET", "offsetof(struct io_uring_params, features)"),
            Map.entry("IoUring.SQ_HEAD_OFFSET", "offsetof(struct io_uring_params, sq_off.head)"),
            Map.entry("IoUring.SQ_TAIL_OFFSET", "offsetof(struct io_uring_params, sq_off.tail)"),
            Map.entry("IoUring.SQ_RING_MASK_OFFSET", "offsetof(struct io_uring_params, sq_off.ring_mask)"),
            Map.entry("IoUring.SQ_ARRAY_OFFSET", "offsetof(struct io_uring_params, sq_off.array)"),
            Map.entry("IoUring.CQ_HEAD_OFFSET", "offsetof(struct io_uring_params, cq_off.head)"),
            Map.entry("IoUring.CQ_TAIL_OFFSET", "offsetof(struct io_uring_params, cq_off.tail)"),
            Map.entry("IoUring.CQ_RING_MASK_OFFSET", "offsetof(struct io_uring_params, cq_off.ring_mask)"),
            Map.entry("IoUring.CQ_CQES_OFFSET", "offsetof(struct io_uring_params, cq_off.cqes)"),
            Map.entry("IoUring.SQE_SIZE", "sizeof(struct io_uring_sqe)"),
            Map.entry("IoUring.SQE_OPCODE_OFFSET", "offsetof(struct io_uring_sqe, opcode)"),
            Map.entry("IoUring.SQE_FD_OFFSET", "offsetof(struct io_uring_sqe, fd)"),
            Map.entry("IoUring.SQE_CMD_OP_OFFSET", "offsetof(struct io_uring_sqe, cmd_op)"),
            Map.entry("IoUring.SQE_ADDR_OFFSET", "offsetof(struct io_uring_sqe, addr)"),
            Map.entry("IoUring.SQE_LEN_OFFSET", "offsetof(struct io_uring_sqe, len)"),
            Map.entry("IoUring.SQE_USER_DATA_OFFSET", "offsetof(struct io_uring_sqe, user_data)"),
            Map.entry("IoUring.SQE_CMD_OFFSET", "offsetof(struct io_uring_sqe, cmd)"),
            Map.entry("IoUring.CQE_SIZE", "sizeof(struct io_uring_cqe)"),
            Map.entry("IoUring.CQE_USER_DATA_OFFSET", "offsetof(struct io_uring_cqe, user_data)"),
            Map.entry("IoUring.CQE_RES_OFFSET", "offsetof(struct io_uring_cqe, res)"),
            Map.entry("IoUring.CQE_FLAGS_OFFSET", "offsetof(struct io_uring_cqe, flags)"));

    /** Constants no header defines, and why. */
    private static final Set<String> NOT_IN_HEADERS = Set.of(
            "VerityIoctl.SHA256_SIZE", // the size of a SHA-256 digest: a property of the hash, not of Linux
            "VerityIoctl.MAX_DIGEST_SIZE", // SHA-512's 64 bytes, the largest fs-verity knows; the uapi header has no macro
            "Sockets.SCM_MAX_FD", // 253, defined in the kernel's include/net/scm.h, which user space cannot include
            "FilesystemContext.LOG_MESSAGE_MAX"); // our read buffer for the context's log, larger than the kernel's 256-byte messages

    /** Constants whose value depends on the architecture: taken from the {@link Arch} being checked. */
    private static final Set<String> PER_ARCH = Set.of("FileCalls.O_DIRECTORY", "FileCalls.O_NOFOLLOW", "FileCalls.O_DIRECT",
            "Epoll.EPOLL_EVENT_SIZE", "Epoll.EPOLL_DATA_OFFSET");

    private static final String HEADERS = """
            #define _GNU_SOURCE
            #include <dirent.h>
            #include <errno.h>
            #include <fcntl.h>
            #include <signal.h>
            #include <stddef.h>
            #include <stdio.h>
            #include <sys/file.h>
            #include <sys/mman.h>
            #include <sys/epoll.h>
            #include <sys/mman.h>
            #include <sys/mount.h>
            #include <sys/socket.h>
            #include <sys/stat.h>
            #include <sys/syscall.h>
            #include <sys/uio.h>
            #include <sys/un.h>
            #include <linux/fsverity.h>
            #include <linux/openat2.h>
            #include <linux/io_uring.h>
            """;

    @TempDir
    Path tmp;

    @Test
    void x86_64ConstantsMatchTheCHeaders() throws Exception {
        checkWith(Arch.X86_64, "x86_64-linux-gnu-gcc", "gcc");
    }

    @Test
    void aarch64ConstantsMatchTheCHeaders() throws Exception {
        checkWith(Arch.AARCH64, "aarch64-linux-gnu-gcc", "gcc");
    }

    /** The aarch64 values of the flags x86_64 numbers differently: 0200000 is O_DIRECT there. */
    @Test
    void openFlagsDifferBetweenArchitectures() {
        assertEquals(0200000, Arch.X86_64.oDirectory());
        assertEquals(040000, Arch.AARCH64.oDirectory());
        assertEquals(Arch.X86_64.oDirectory(), Arch.AARCH64.oDirect());
        assertThrows(UnsupportedOperationException.class, () -> Arch.of("riscv64"));
        assertEquals(Arch.current().oDirectory(), FileCalls.O_DIRECTORY);
    }

    @Test
    void everyConstantIsChecked() throws Exception {
        Map<String, Long> constants = constants(Arch.X86_64);
        for (String name : constants.keySet()) {
            assertTrue(!name.contains(".") || C_EXPRESSIONS.containsKey(name) || looksLikeAMacro(name), name);
        }
        for (String name : C_EXPRESSIONS.keySet()) {
            assertTrue(constants.containsKey(name), "no constant " + name);
        }
    }

    private static boolean looksLikeAMacro(String qualified) {
        return qualified.substring(qualified.indexOf('.') + 1).matches("[A-Z][A-Z0-9_]*");
    }

    /** C expression (or Java name) to the Java value, for {@code arch}. */
    private static Map<String, Long> constants(Arch arch) throws IllegalAccessException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Class<?> c : BINDINGS) {
            for (Field f : c.getDeclaredFields()) {
                int m = f.getModifiers();
                if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || !(f.getType() == int.class || f.getType() == long.class)) {
                    continue;
                }
                String name = c.getSimpleName() + "." + f.getName();
                if (NOT_IN_HEADERS.contains(name)) {
                    continue;
                }
                f.setAccessible(true);
                long value = ((Number) f.get(null)).longValue();
                if (PER_ARCH.contains(name)) {
                    value = switch (f.getName()) {
                        case "O_DIRECTORY" -> arch.oDirectory();
                        case "O_NOFOLLOW" -> arch.oNofollow();
                        case "O_DIRECT" -> arch.oDirect();
                        case "EPOLL_EVENT_SIZE" -> arch.epollEventSize();
                        case "EPOLL_DATA_OFFSET" -> arch.epollEventSize() - 8;
                        default -> throw new AssertionError(name);
                    };
                }
                out.put(name, value);
            }
        }
        out.put("SYS_openat2", arch.sysOpenat2());
        return out;
    }

    private void checkWith(Arch arch, String... compilers) throws Exception {
        String compiler = null;
        for (String candidate : compilers) {
            String found = onPath(candidate);
            if (found != null && targetOf(found).startsWith(arch.name() + "-")) {
                compiler = found;
                break;
            }
        }
        Assumptions.assumeTrue(compiler != null, "SKIPPED: no C compiler for " + arch.name() + " (tried " + List.of(compilers)
                + "; Debian: apt-get install gcc" + (arch == Arch.AARCH64 ? "-aarch64-linux-gnu" : "") + "): the "
                + arch.name() + " constants of org.cfsj.sys are NOT checked against the C headers");
        StringBuilder src = new StringBuilder(HEADERS);
        for (var e : constants(arch).entrySet()) {
            String name = e.getKey();
            String expr = C_EXPRESSIONS.getOrDefault(name, name.substring(name.indexOf('.') + 1));
            src.append("_Static_assert((long long) (").append(expr).append(") == ").append(e.getValue())
                    .append("LL, \"").append(name).append(" = ").append(e.getValue()).append(" is not ").append(expr)
                    .append(" on ").append(arch.name()).append("\");\n");
        }
        Path c = Files.writeString(tmp.resolve("constants-" + arch.name() + ".c"), src);
        ProcessBuilder pb = new ProcessBuilder(compiler, "-std=gnu11", "-c", "-o", "/dev/null", c.toString())
                .redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            fail(compiler + " disagrees with org.cfsj.sys:\n" + messages);
        }
    }

    private static String onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
                .map(d -> Path.of(d, command)).filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
    }

    /** The target triple the compiler builds for ({@code gcc -dumpmachine}). */
    private static String targetOf(String compiler) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(compiler, "-dumpmachine").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        return p.waitFor() == 0 ? out : "";
    }
}
