package org.cfsj.it.mutate;

/**
 * How one mutated case ended. {@link Handled} is every ending the program under test may have
 * (its input accepted, or refused with one of its declared exceptions); the others are failures.
 */
sealed interface Outcome {
    /** A tally key such as {@code serve:clean dump:ErofsFormatException}. */
    record Handled(String key) implements Outcome {}

    /** An exception or Error the program must not let out, or a broken invariant ({@link Violation}). */
    record Failed(String where, Throwable error) implements Outcome {}

    /** The case ran longer than the watchdog allows. */
    record Hung(long millis, String stack) implements Outcome {}

    /** A broken promise of the program that is not an exception of its own (a result that is wrong). */
    final class Violation extends RuntimeException {
        Violation(String message) {
            super(message);
        }

        Violation(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
