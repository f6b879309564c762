package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.function.Function;

/**
 * OpenSSL's EVP digest functions ({@code libcrypto.so.3}, Debian package {@code libssl3}) and the
 * fetched SHA-256 ({@code EVP_MD *}, kept for the life of the JVM), bound when the library is
 * installed. The hash context that calls them lives with the digests ({@code org.cfsj.digest}).
 *
 * <p>The digest is fetched once ({@code EVP_MD_fetch}) rather than named per use with {@code
 * EVP_sha256()}: OpenSSL 3 looks a legacy {@code EVP_MD} up in its provider tables on every
 * {@code EVP_DigestInit_ex}, and fs-verity initialises a context per 4 KiB block.
 *
 * <p>Init, update and final are linked as critical functions ({@link Linker.Option#critical}):
 * short calls that never call back into Java, so they skip the thread-state transition of a
 * normal downcall, and may read and write heap arrays in place instead of copying them to native
 * memory. While one runs, the JVM cannot reach a safepoint, so callers bound the bytes per call.
 *
 * @param ctxNew {@code EVP_MD_CTX *EVP_MD_CTX_new(void)}
 * @param ctxFree {@code void EVP_MD_CTX_free(EVP_MD_CTX *)}
 * @param init {@code int EVP_DigestInit_ex2(EVP_MD_CTX *, const EVP_MD *, const OSSL_PARAM *)}
 * @param update {@code int EVP_DigestUpdate(EVP_MD_CTX *, const void *, size_t)}
 * @param finish {@code int EVP_DigestFinal_ex(EVP_MD_CTX *, unsigned char *, unsigned int *)}
 */
public record OpenSslFunctions(MethodHandle ctxNew, MethodHandle ctxFree, MethodHandle init, MethodHandle update,
        MethodHandle finish, MemorySegment sha256) {

    /**
     * The functions, if the library is installed, binds and passes {@code selfTest} (null when the
     * bound functions give the known answers); else empty, with one debug line on {@code log}.
     */
    public static Optional<OpenSslFunctions> load(System.Logger log, Function<OpenSslFunctions, String> selfTest) {
        return OptionalLibrary.load("libcrypto.so.3", "SHA-256 through the JDK", log, OpenSslFunctions::bind, selfTest);
    }

    private static OpenSslFunctions bind(Linker linker, SymbolLookup lib) {
        Linker.Option critical = Linker.Option.critical(true);
        MethodHandle fetch = linker.downcallHandle(lib.find("EVP_MD_fetch").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        MemorySegment sha256;
        try {
            sha256 = (MemorySegment) fetch.invokeExact(MemorySegment.NULL,
                    Arena.global().allocateFrom("SHA256"), MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("EVP_MD_fetch failed", t);
        }
        if (sha256.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("EVP_MD_fetch found no SHA256");
        }
        return new OpenSslFunctions(
                linker.downcallHandle(lib.find("EVP_MD_CTX_new").orElseThrow(), FunctionDescriptor.of(ADDRESS)),
                linker.downcallHandle(lib.find("EVP_MD_CTX_free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS)),
                linker.downcallHandle(lib.find("EVP_DigestInit_ex2").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical),
                linker.downcallHandle(lib.find("EVP_DigestUpdate").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), critical),
                linker.downcallHandle(lib.find("EVP_DigestFinal_ex").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical),
                sha256);
    }
}
