package mpo4j.data;

/** Derives independent, reproducible seeds from one user seed (SplitMix64 mixing). */
final class Seeds {
    private Seeds() {}

    /** A seed for random stream number {@code stream} under the user's {@code seed}. */
    static long derive(long seed, long stream) {
        return mix(seed ^ mix(stream + 0x9E3779B97F4A7C15L));
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
