package org.cfsj.it;

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
import java.nio.file.Path;

/**
 * mount(2) and umount2(2) for tests. util-linux mount would put an EROFS image file on a loop
 * device; calling mount(2) with the file as source makes a true file-backed mount (Linux 6.12+).
 */
final class KernelMounts {
    static final long MS_RDONLY = 1;
    static final int MNT_DETACH = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final MethodHandle MOUNT = LINKER.downcallHandle(LINKER.defaultLookup().find("mount").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), CAPTURE);
    private static final MethodHandle UMOUNT2 = LINKER.downcallHandle(LINKER.defaultLookup().find("umount2").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE);

    private KernelMounts() {}

    static void mount(String source, Path target, String type, long flags, String data) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(STATE);
            MemorySegment opts = data == null ? MemorySegment.NULL : a.allocateFrom(data);
            int r = (int) MOUNT.invokeExact(st, a.allocateFrom(source), a.allocateFrom(target.toString()), a.allocateFrom(type),
                    flags, opts);
            if (r != 0) {
                throw new IOException("mount -t " + type + " " + source + " " + target + ": errno " + (int) ERRNO.get(st, 0L));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    static void umount(Path target) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(STATE);
            int r = (int) UMOUNT2.invokeExact(st, a.allocateFrom(target.toString()), 0);
            if (r != 0) {
                r = (int) UMOUNT2.invokeExact(st, a.allocateFrom(target.toString()), MNT_DETACH);
            }
            if (r != 0) {
                throw new IOException("umount " + target + ": errno " + (int) ERRNO.get(st, 0L));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
