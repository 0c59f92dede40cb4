package mpo4j.model;

/**
 * How {@link Vlm#generate} picks tokens: greedy when {@code temperature == 0}, otherwise sampling
 * from the softmax at that temperature, optionally restricted to the {@code topK} most likely tokens
 * ({@code 0} = all) and the smallest set whose probability reaches {@code topP} ({@code 1} = all),
 * from a generator seeded with {@code seed}.
 *
 * <pre>{@code
 * long[] answer = model.generate(promptIds, pixels, Generation.greedy(64));
 * long[] sample = model.generate(promptIds, pixels, Generation.sampled(0.7, 42).withTopP(0.9));
 * }</pre>
 */
public record Generation(int maxNewTokens, double temperature, int topK, double topP, long seed) {

    public Generation {
        if (maxNewTokens < 1 || temperature < 0 || topK < 0 || topP <= 0 || topP > 1) {
            throw new IllegalArgumentException("invalid generation settings: " + this);
        }
    }

    public static Generation greedy(int maxNewTokens) { return new Generation(maxNewTokens, 0, 0, 1, 0); }

    public static Generation sampled(double temperature, long seed) { return new Generation(128, temperature, 0, 1, seed); }

    public boolean isGreedy() { return temperature == 0; }

    public Generation withMaxNewTokens(int n) { return new Generation(n, temperature, topK, topP, seed); }

    public Generation withTopK(int k) { return new Generation(maxNewTokens, temperature, k, topP, seed); }

    public Generation withTopP(double p) { return new Generation(maxNewTokens, temperature, topK, p, seed); }

    public Generation withSeed(long s) { return new Generation(maxNewTokens, temperature, topK, topP, s); }
}
