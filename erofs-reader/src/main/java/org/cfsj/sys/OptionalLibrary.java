package org.cfsj.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Loads a native library that only makes cfsj faster (ISA-L's inflate, OpenSSL's SHA-256): its
 * functions are bound once and checked against known answers before anything uses them. A
 * library that is missing, lacks a symbol, may not be called (native access denied) or gives a
 * wrong answer is skipped with one debug log line, and the caller falls back to the JDK; it is
 * never an error.
 */
final class OptionalLibrary {
    private OptionalLibrary() {}

    /**
     * @param soname   the library, as {@code dlopen} takes it (e.g. {@code libisal.so.2})
     * @param fallback what is used instead, for the log line (e.g. "gzip through the JDK's zlib")
     * @param bind     binds the functions; may throw RuntimeException (a symbol missing, ...)
     * @param selfTest null if the bound functions give the known answers, else what went wrong
     */
    static <F> Optional<F> load(String soname, String fallback, System.Logger log,
            BiFunction<Linker, SymbolLookup, F> bind, Function<F, String> selfTest) {
        F functions;
        try {
            functions = bind.apply(Native.LINKER, SymbolLookup.libraryLookup(soname, Arena.global()));
        } catch (RuntimeException e) {
            // not installed (IllegalArgumentException), a symbol missing, native access denied
            log.log(System.Logger.Level.DEBUG, soname + " not usable, " + fallback + ": " + e);
            return Optional.empty();
        }
        String failure = selfTest.apply(functions);
        if (failure != null) {
            log.log(System.Logger.Level.DEBUG, soname + " failed its self-test (" + failure + "), " + fallback);
            return Optional.empty();
        }
        return Optional.of(functions);
    }
}
