package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Extended attributes through {@code llistxattr}/{@code lgetxattr}/{@code lsetxattr}: the
 * {@code l} variants act on a symlink itself, never on its target. The JDK's
 * {@code UserDefinedFileAttributeView} is no substitute: it sees only the {@code user.}
 * namespace and follows symlinks.
 *
 * <p>Paths and names are raw bytes. To reach an entry by directory fd, pass
 * {@code /proc/self/fd/<dirfd>/<name>} (see {@link #procPath}); the kernel resolves the fd's
 * magic link and then looks {@code name} up without following it.
 */
public final class Xattrs {
    private static final MethodHandle LLISTXATTR =
            Native.withErrno("llistxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle LGETXATTR = Native.withErrno(
            "lgetxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle LSETXATTR = Native.withErrno(
            "lsetxattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));

    private Xattrs() {}

    /** {@code /proc/self/fd/<dirfd>/<name>} as bytes: a path to {@code name} in an open directory. */
    public static byte[] procPath(int dirfd, byte[] name) {
        byte[] prefix = ("/proc/self/fd/" + dirfd + "/").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] path = java.util.Arrays.copyOf(prefix, prefix.length + name.length);
        System.arraycopy(name, 0, path, prefix.length, name.length);
        return path;
    }

    /**
     * The names of all xattrs of {@code path} (any namespace the caller may list), in the order
     * the filesystem gives them. A filesystem without xattr support has none (no error).
     */
    public static List<byte[]> list(byte[] path, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState();
            MemorySegment cPath = Native.cString(arena, path);
            while (true) {
                long size = (long) LLISTXATTR.invokeExact(state, cPath, MemorySegment.NULL, 0L);
                if (size < 0) {
                    return noneIfUnsupported(state, "llistxattr", what);
                }
                if (size == 0) {
                    return List.of();
                }
                MemorySegment buf = arena.allocate(size);
                long n = (long) LLISTXATTR.invokeExact(state, cPath, buf, size);
                if (n < 0) {
                    if (Native.errno(state) == Errno.ERANGE) {
                        continue; // an xattr was added between the two calls
                    }
                    return noneIfUnsupported(state, "llistxattr", what);
                }
                List<byte[]> names = new ArrayList<>();
                for (long off = 0; off < n; ) {
                    byte[] name = Native.cStringBytes(buf, off);
                    names.add(name);
                    off += name.length + 1;
                }
                return names;
            }
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private static List<byte[]> noneIfUnsupported(MemorySegment state, String call, String what) throws SysException {
        int errno = Native.errno(state);
        if (errno == Errno.ENOTSUP) {
            return List.of();
        }
        throw new SysException(call, what, errno);
    }

    /** The value of xattr {@code name} of {@code path}, or null if it does not exist (any more). */
    public static byte[] get(byte[] path, byte[] name, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState();
            MemorySegment cPath = Native.cString(arena, path);
            MemorySegment cName = Native.cString(arena, name);
            while (true) {
                long size = (long) LGETXATTR.invokeExact(state, cPath, cName, MemorySegment.NULL, 0L);
                if (size < 0) {
                    return nullIfMissing(state, what);
                }
                MemorySegment buf = arena.allocate(Math.max(1, size));
                long n = (long) LGETXATTR.invokeExact(state, cPath, cName, buf, size);
                if (n < 0) {
                    if (Native.errno(state) == Errno.ERANGE) {
                        continue; // the value grew between the two calls
                    }
                    return nullIfMissing(state, what);
                }
                return buf.asSlice(0, n).toArray(JAVA_BYTE);
            }
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private static byte[] nullIfMissing(MemorySegment state, String what) throws SysException {
        int errno = Native.errno(state);
        if (errno == Errno.ENODATA) {
            return null;
        }
        throw new SysException("lgetxattr", what, errno);
    }

    /** Sets xattr {@code name} of {@code path} (not following a final symlink); flags 0 = create or replace. */
    public static void set(byte[] path, byte[] name, byte[] value, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState();
            MemorySegment cValue = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, cValue, JAVA_BYTE, 0, value.length);
            int r = (int) LSETXATTR.invokeExact(
                    state, Native.cString(arena, path), Native.cString(arena, name), cValue, (long) value.length, 0);
            if (r != 0) {
                throw new SysException("lsetxattr", what, Native.errno(state));
            }
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
