package mpo4j.train;

/**
 * A learning-rate schedule as a multiplier of the base rate, with Hugging Face semantics: linear
 * warmup from 0 over the warmup steps, then constant, linear decay to 0, or half a cosine to 0 over
 * the remaining steps. The optimizer step {@code s} (0-based) uses {@code lr · factor(s, total)}, so
 * with warmup the first step has rate 0, as in {@code transformers.get_*_schedule_with_warmup}.
 *
 * @param kind         constant, linear or cosine
 * @param warmupRatio  fraction of the total steps used for warmup ({@code ceil(ratio·total)} steps)
 * @param warmupSteps  explicit warmup steps; when &gt; 0 it overrides {@code warmupRatio} (as in HF)
 */
public record Schedule(Kind kind, double warmupRatio, int warmupSteps) {

    /** The shape after warmup. */
    public enum Kind { CONSTANT, LINEAR, COSINE }

    public Schedule {
        if (kind == null) {
            throw new IllegalArgumentException("schedule kind must not be null");
        }
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
            throw new IllegalArgumentException("warmupRatio must lie in [0,1], got " + warmupRatio);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        }
    }

    public static Schedule constant() { return new Schedule(Kind.CONSTANT, 0, 0); }

    /** The Hugging Face / TRL default ({@code lr_scheduler_type="linear"}). */
    public static Schedule linear() { return new Schedule(Kind.LINEAR, 0, 0); }

    public static Schedule cosine() { return new Schedule(Kind.COSINE, 0, 0); }

    public Schedule withKind(Kind k) { return new Schedule(k, warmupRatio, warmupSteps); }

    public Schedule withWarmupRatio(double ratio) { return new Schedule(kind, ratio, warmupSteps); }

    public Schedule withWarmupSteps(int steps) { return new Schedule(kind, warmupRatio, steps); }

    /** Number of warmup steps for a run of {@code totalSteps} optimizer steps. */
    public int warmup(int totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (int) Math.ceil(warmupRatio * totalSteps);
    }

    /** Multiplier of the base learning rate at 0-based optimizer step {@code step}. */
    public double factor(int step, int totalSteps) {
        int warmup = warmup(totalSteps);
        if (step < warmup) {
            return (double) step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, totalSteps - warmup);
        return switch (kind) {
            case CONSTANT -> 1.0;
            case LINEAR -> Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmup));
            case COSINE -> Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
        };
    }
}
