package mpo4j.bench;

import java.nio.file.Path;

/**
 * How long each phase of the benchmark runs.
 *
 * @param warmupSteps    untimed steps before each timed phase
 * @param steps          timed steps of the reference step (vision once, frozen-copy reference)
 * @param variantSteps   timed steps of the duplicate-vision and precomputed-reference variants
 * @param memorySteps    steps of the memory phase (1-pair batch)
 * @param collatePairs   pairs collated per throughput measurement
 * @param gemmSizes      square sizes of the GEMM peak measurement
 * @param tokenizer      the tokenizer folder the synthetic data is encoded with
 */
public record BenchOptions(int warmupSteps, int steps, int variantSteps, int memorySteps,
        int collatePairs, int[] gemmSizes, Path tokenizer) {

    public BenchOptions {
        if (warmupSteps < 0 || steps < 1 || variantSteps < 1 || memorySteps < 1 || collatePairs < 8) {
            throw new IllegalArgumentException("bench needs warmup >= 0, steps >= 1, variant steps >= 1, memory steps >= 1, "
                    + "collate pairs >= 8: " + this);
        }
    }

    /** The memory-phase step whose RSS is the baseline of the growth: step 100, or a tenth of a shorter phase. */
    public int memoryFirstAt() { return Math.max(1, Math.min(100, memorySteps / 10)); }

    /** The full run: 20 timed steps, 10 per variant, 1000 memory steps (about 10 minutes on 2 idle cores). */
    public static BenchOptions defaults() {
        return new BenchOptions(3, 20, 10, 1000, 512, new int[] {1024, 1536, 2048}, Path.of("datasets-sample/tokenizer"));
    }

    /** A smoke run under a minute: a few steps per phase. */
    public static BenchOptions quick() {
        return new BenchOptions(1, 3, 2, 30, 64, new int[] {1024}, Path.of("datasets-sample/tokenizer"));
    }

    public BenchOptions withSteps(int n) { return new BenchOptions(warmupSteps, n, variantSteps, memorySteps, collatePairs, gemmSizes, tokenizer); }

    public BenchOptions withVariantSteps(int n) { return new BenchOptions(warmupSteps, steps, n, memorySteps, collatePairs, gemmSizes, tokenizer); }

    public BenchOptions withWarmupSteps(int n) { return new BenchOptions(n, steps, variantSteps, memorySteps, collatePairs, gemmSizes, tokenizer); }

    public BenchOptions withMemorySteps(int n) { return new BenchOptions(warmupSteps, steps, variantSteps, n, collatePairs, gemmSizes, tokenizer); }

    public BenchOptions withTokenizer(Path p) { return new BenchOptions(warmupSteps, steps, variantSteps, memorySteps, collatePairs, gemmSizes, p); }

    /**
     * Command-line options: {@code --quick}, {@code --steps N}, {@code --variant-steps N},
     * {@code --warmup N}, {@code --memory-steps N}, {@code --tokenizer DIR}. Later options override earlier ones.
     *
     * @throws IllegalArgumentException naming an unknown option or a missing/non-numeric value
     */
    public static BenchOptions parse(String... args) {
        BenchOptions o = defaults();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> o = quick().withTokenizer(o.tokenizer());
                case "--steps" -> o = o.withSteps(number(args, ++i, a));
                case "--variant-steps" -> o = o.withVariantSteps(number(args, ++i, a));
                case "--warmup" -> o = o.withWarmupSteps(number(args, ++i, a));
                case "--memory-steps" -> o = o.withMemorySteps(number(args, ++i, a));
                case "--tokenizer" -> o = o.withTokenizer(Path.of(value(args, ++i, a)));
                default -> throw new IllegalArgumentException("unknown bench option '" + a + "' (known: --quick, --steps N, "
                        + "--variant-steps N, --warmup N, --memory-steps N, --tokenizer DIR)");
            }
        }
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int number(String[] args, int i, String option) {
        String v = value(args, i, option);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + v + "'");
        }
    }

    @Override
    public String toString() {
        return "BenchOptions[warmup=" + warmupSteps + ", steps=" + steps + ", variantSteps=" + variantSteps + ", memorySteps="
                + memorySteps + ", memoryFirstAt=" + memoryFirstAt() + ", collatePairs=" + collatePairs + ", gemmSizes="
                + java.util.Arrays.toString(gemmSizes) + ", tokenizer=" + tokenizer + "]";
    }
}
