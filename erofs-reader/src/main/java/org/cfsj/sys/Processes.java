package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Who this process is, and the process calls the JDK lacks: signals other than SIGTERM and
 * SIGKILL, and spawning a child that inherits fds ({@code posix_spawnp}).
 */
public final class Processes {
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private static final MethodHandle GETEUID = Native.plain("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEGID = Native.plain("getegid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle KILL = Native.plain("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POSIX_SPAWNP = Native.withErrno("posix_spawnp",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle WAITPID =
            Native.withErrno("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private Processes() {}

    /** {@code geteuid(2)}: the user whose files and directories this process may trust as its own. */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static int getegid() {
        try {
            return (int) GETEGID.invokeExact();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Sends {@code signal} to the one process {@code pid} (never a group: pid must be positive). */
    public static boolean kill(long pid, int signal) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not a single process id: " + pid);
        }
        try {
            return (int) KILL.invokeExact((int) pid, signal) == 0;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Runs a program (searched in PATH) with the given environment and waits for it; returns its
     * wait status. Unlike {@link ProcessBuilder}, the child inherits every fd that is not
     * close-on-exec, which is how fusermount3 receives its socket.
     */
    public static int spawnAndWait(String[] argv, String[] env) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment args = cStringArray(arena, argv);
            MemorySegment envp = cStringArray(arena, env);
            MemorySegment pid = arena.allocate(JAVA_INT);
            MemorySegment st = Native.callState();
            // posix_spawnp returns the error number instead of setting errno
            int r = (int) POSIX_SPAWNP.invokeExact(st, pid, args.getAtIndex(ADDRESS, 0), MemorySegment.NULL,
                    MemorySegment.NULL, args, envp);
            if (r != 0) {
                throw new SysException("posix_spawnp", argv[0], r);
            }
            MemorySegment status = arena.allocate(JAVA_INT);
            int child = pid.get(JAVA_INT, 0);
            Native.retrying("waitpid", argv[0], s -> (int) WAITPID.invokeExact(s, child, status, 0));
            return status.get(JAVA_INT, 0);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** A NULL-terminated {@code char *[]}. */
    private static MemorySegment cStringArray(Arena arena, String[] strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.length + 1L);
        for (int i = 0; i < strings.length; i++) {
            array.setAtIndex(ADDRESS, i, Native.cString(arena, strings[i]));
        }
        array.setAtIndex(ADDRESS, strings.length, MemorySegment.NULL);
        return array;
    }
}
