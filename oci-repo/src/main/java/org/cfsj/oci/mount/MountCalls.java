package org.cfsj.oci.mount;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/** {@code mount(2)} and {@code umount2(2)} through FFM (glibc). */
final class MountCalls {
    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final int MNT_DETACH = 2;
    static final int EINVAL = 22;
    static final int EBUSY = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MOUNT = LINKER.downcallHandle(
            LINKER.defaultLookup().find("mount").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle UMOUNT2 = LINKER.downcallHandle(
            LINKER.defaultLookup().find("umount2").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private MountCalls() {}

    /** An errno from a mount call, with the text and number kept for callers that branch on it. */
    static final class MountException extends IOException {
        final int errno;

        MountException(String message, int errno) {
            super(message);
            this.errno = errno;
        }
    }

    static void mount(String source, String target, String fstype, long flags, String data) throws MountException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment dataSeg = data == null ? MemorySegment.NULL : str(arena, data);
            int r = (int) MOUNT.invokeExact(state, str(arena, source), str(arena, target), str(arena, fstype), flags, dataSeg);
            if (r != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new MountException("mount -t " + fstype + " " + source + " " + target + ": " + strerror(errno), errno);
            }
        } catch (MountException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mount(2) call failed", t);
        }
    }

    static void umount2(String target, int flags) throws MountException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int r = (int) UMOUNT2.invokeExact(state, str(arena, target), flags);
            if (r != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new MountException("umount " + target + ": " + strerror(errno), errno);
            }
        } catch (MountException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("umount2(2) call failed", t);
        }
    }

    private static MemorySegment str(Arena arena, String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8);
    }

    static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            return p.reinterpret(256).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
