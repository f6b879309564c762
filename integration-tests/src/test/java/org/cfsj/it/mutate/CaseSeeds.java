package org.cfsj.it.mutate;

/** The random seed of one case: a function of the run's seed, the kind and the case number alone, so any case replays by itself. */
final class CaseSeeds {
    private CaseSeeds() {}

    static long of(long seed, char kind, long n) {
        long z = seed * 0x9E3779B97F4A7C15L + kind * 0xBF58476D1CE4E5B9L + n * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
