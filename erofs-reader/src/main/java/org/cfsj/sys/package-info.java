/**
 * Every native call of cfsj, and nothing else: the one place that uses the FFM linker (libc,
 * Linux system calls and ioctls, and the optional OpenSSL and ISA-L libraries).
 *
 * <p>Invariants, checked by tests: no main source outside this package names {@code Linker} or
 * {@code SymbolLookup} or reinterprets a segment ({@code NativeConfinementTest}); every constant
 * handed to the kernel equals the C headers' value on x86_64 and on aarch64
 * ({@code SysConstantsTest}), and the values that differ between the two are chosen at run time
 * ({@link org.cfsj.sys.Arch}); errno is captured by the linker right after each call into a
 * per-thread call state; failures are {@link org.cfsj.sys.SysException}s carrying the errno;
 * paths given as strings are encoded by one rule ({@link org.cfsj.sys.PathNames}).
 */
package org.cfsj.sys;
