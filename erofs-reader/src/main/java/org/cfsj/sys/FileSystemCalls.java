package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Whole-filesystem durability and atomic naming the JDK does not offer: {@code syncfs} and
 * {@code renameat2} with {@code RENAME_NOREPLACE} (rename unless the target exists, in one call).
 */
public final class FileSystemCalls {
    public static final int RENAME_NOREPLACE = 1;

    private static final MethodHandle SYNCFS = Native.withErrno("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle RENAMEAT2 = Native.withErrno("renameat2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));

    private FileSystemCalls() {}

    /** {@code syncfs(2)}: writes back everything of the filesystem that holds {@code fd}. */
    public static void syncfs(int fd, String what) throws SysException {
        Native.once("syncfs", what, st -> (int) SYNCFS.invokeExact(st, fd));
    }

    /**
     * renameat2(2) with RENAME_NOREPLACE: renames {@code from} to {@code to} unless {@code to}
     * exists, in one atomic step. Returns false (nothing renamed) if it exists. Throws with errno
     * EINVAL or ENOSYS where the filesystem or kernel cannot do it.
     */
    public static boolean renameNoReplace(Path from, Path to) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = Native.cString(arena, from.toString());
            MemorySegment b = Native.cString(arena, to.toString());
            Native.retrying("renameat2", from + " -> " + to, st -> (int) RENAMEAT2.invokeExact(
                    st, FileCalls.AT_FDCWD, a, FileCalls.AT_FDCWD, b, RENAME_NOREPLACE));
            return true;
        } catch (SysException e) {
            if (e.errno() == Errno.EEXIST) {
                return false;
            }
            throw e;
        }
    }
}
