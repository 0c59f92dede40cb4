package mpo4j.generate;

/**
 * The uniform numbers that drive sampling, one stream per completion: the draw for step {@code step} of
 * generation {@code generation} of the prompt with key {@code promptKey} depends on those three numbers
 * and the seed only. So the same seed gives the same completions whatever else is in the batch, in
 * whatever order, and however the batch is split (a shared {@code java.util.Random} would not).
 *
 * <p>The numbers come from SplitMix64's finaliser applied to a chained hash of the four inputs: a fast,
 * well-mixed counter-based generator; distinct inputs give independent-looking draws.
 */
public final class RowRandom {
    private RowRandom() {}

    /** A number in [0, 1) with 53 random bits. */
    public static double uniform(long seed, long promptKey, int generation, int step) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        h = mix(h ^ promptKey);
        h = mix(h ^ ((long) generation << 32 | (step & 0xFFFFFFFFL)));
        return (h >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's finaliser (Steele, Lea and Flood, 2014). */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
