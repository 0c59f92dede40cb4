package mpo4j.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * How {@link Generator} picks tokens: greedy when {@code temperature == 0}, otherwise sampling
 * from the softmax at that temperature, optionally restricted to the {@code topK} most likely tokens
 * ({@code 0} = all) and the smallest set whose probability reaches {@code topP} ({@code 1} = all),
 * from a generator seeded with {@code seed}.
 *
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

    /** Greedy argmax, or a seeded draw from the tempered, top-k / top-p filtered softmax. */
    /** Picks the next token from one row of logits. */
    public long pick(float[] logits, SplittableRandom random) {
        if (isGreedy()) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = topK > 0 ? Math.min(topK, order.length) : order.length;
        double[] p = new double[keep];
        double max = logits[order[0]];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / temperature);
            sum += p[i];
        }
        double cumulative = 0;
        int nucleus = keep;
        for (int i = 0; i < keep; i++) {
            p[i] /= sum;
            cumulative += p[i];
            if (cumulative >= topP) {
                nucleus = i + 1;
                break;
            }
        }
        double total = 0;
        for (int i = 0; i < nucleus; i++) {
            total += p[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < nucleus; i++) {
            u -= p[i];
            if (u <= 0) {
                return order[i];
            }
        }
        return order[nucleus - 1];
    }
}
