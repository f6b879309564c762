package org.cfsj.sys;

/**
 * The values of this package that differ between the CPU architectures cfsj runs on, chosen at
 * run time from {@code os.arch}. Everything else the bindings use (errno numbers, the other
 * {@code O_*} flags, ioctl encodings, the struct layouts they read) is the same on x86_64 and
 * aarch64; {@code SysConstantsTest} checks every value against the C headers of both.
 *
 * <p>x86_64 keeps the classic i386 numbering of a few open flags; aarch64 uses the asm-generic
 * one, where {@code 0200000} is {@code O_DIRECT}, not {@code O_DIRECTORY}. On any other
 * architecture the bindings refuse to load rather than pass flags that mean something else.
 *
 * @param oDirectory {@code O_DIRECTORY}
 * @param oNofollow {@code O_NOFOLLOW}
 * @param oDirect {@code O_DIRECT}
 * @param sysOpenat2 the syscall number of {@code openat2} (glibc 2.36 has no wrapper for it)
 * @param epollEventSize {@code sizeof(struct epoll_event)}: x86_64 packs it (12 bytes, the 64-bit
 *     data at offset 4), other architectures align the data to 8 (16 bytes)
 */
public record Arch(String name, int oDirectory, int oNofollow, int oDirect, long sysOpenat2, long epollEventSize) {
    public static final Arch X86_64 = new Arch("x86_64", 0200000, 0400000, 040000, 437, 12);
    public static final Arch AARCH64 = new Arch("aarch64", 040000, 0100000, 0200000, 437, 16);

    private static final Arch CURRENT = of(System.getProperty("os.arch"));

    /** The architecture this JVM runs on. */
    public static Arch current() {
        return CURRENT;
    }

    /** The architecture named by an {@code os.arch} value. */
    static Arch of(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new UnsupportedOperationException(
                    "cfsj's native bindings know the constants of x86_64 and aarch64 only, not " + osArch
                            + " (os.arch): flags and numbers would mean something else there");
        };
    }
}
