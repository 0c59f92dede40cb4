package mpo4j.loss;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a log-ratio ℓ becomes the score the preference losses compare (TRL's {@code f_divergence_type}).
 *
 * <ul>
 *   <li>{@link #REVERSE_KL}: {@code s = ℓ} (standard DPO)</li>
 *   <li>{@link #FORWARD_KL}: {@code s = −exp(−ℓ)}; <b>mpo4j</b> caps the exponent at 80 like the alpha
 *       divergence, so ℓ &lt; −80 cannot overflow float32 (values differ only there)</li>
 *   <li>{@link #JS_DIVERGENCE}: {@code s = log σ(ℓ)}</li>
 *   <li>{@link #ALPHA_DIVERGENCE}: {@code s = exp(min((a−1)·ℓ, 80)) / (a−1)}, reverse KL if |a−1| &lt; 1e-6</li>
 * </ul>
 */
public enum FDivergence {
    REVERSE_KL("reverse_kl"),
    FORWARD_KL("forward_kl"),
    JS_DIVERGENCE("js_divergence"),
    ALPHA_DIVERGENCE("alpha_divergence");

    /** TRL's default coefficient a of the alpha divergence as the spec fixes it. */
    public static final double DEFAULT_ALPHA = 0.5;

    private final String trlName;

    FDivergence(String trlName) {
        this.trlName = trlName;
    }

    public String trlName() {
        return trlName;
    }

    public static FDivergence of(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (FDivergence f : values()) {
            if (f.trlName.equals(key)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown f-divergence '" + name + "'; valid: "
                + Arrays.stream(values()).map(FDivergence::trlName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return trlName;
    }
}
