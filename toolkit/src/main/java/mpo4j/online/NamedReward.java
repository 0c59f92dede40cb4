package mpo4j.online;

/**
 * A reward function with the name its metrics are logged under ({@code rewards/<name>/mean}) and its
 * weight in the total (TRL's {@code reward_weights}, default 1).
 */
public record NamedReward(String name, RewardFunction function, double weight) {
    /** Checks the name is not blank and the weight finite. */
    public NamedReward {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a reward function needs a non-blank name");
        }
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("reward_weights for '" + name + "' must be finite, got " + weight);
        }
    }

    /** Weight 1. */
    public static NamedReward of(String name, RewardFunction function) { return new NamedReward(name, function, 1.0); }

    /** A copy with {@code weight} replaced; validated like the constructor. */
    public NamedReward weight(double w) { return new NamedReward(name, function, w); }
}
