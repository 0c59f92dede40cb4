package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluation of a {@link RewardLoss}: the total (scalar NDArray with gradient), each head's loss
 * over its A/B pairs, each head's tie term {@code mean|s0 − s1|}, and strict accuracy over A/B pairs.
 */
public final class RewardLossResult {
    private final NDArray loss;
    private final double value;
    private final RewardLoss.Type type;
    private final Map<String, Double> headLoss;
    private final Map<String, Double> tieTerm;
    private final Map<String, Double> headAccuracy;
    private final double accuracy;
    private final int decidedPairs;
    private final Map<String, double[]> perPair;

    RewardLossResult(NDArray loss, double value, RewardLoss.Type type, Map<String, Double> headLoss,
                     Map<String, Double> tieTerm, Map<String, Double> headAccuracy, double accuracy, int decidedPairs,
                     Map<String, double[]> perPair) {
        this.loss = loss;
        this.value = value;
        this.type = type;
        this.headLoss = Collections.unmodifiableMap(new LinkedHashMap<>(headLoss));
        this.tieTerm = Collections.unmodifiableMap(new LinkedHashMap<>(tieTerm));
        this.headAccuracy = Collections.unmodifiableMap(new LinkedHashMap<>(headAccuracy));
        this.accuracy = accuracy;
        this.decidedPairs = decidedPairs;
        Map<String, double[]> copy = new LinkedHashMap<>();
        perPair.forEach((h, v) -> copy.put(h, v.clone()));
        this.perPair = Collections.unmodifiableMap(copy);
    }

    /**
     * Each pair's value for {@code head}, in input order: for an A/B pair its loss
     * ({@code −log σ(c − r − m)} for sigmoid, {@code log(1 + e^(r − c))} for logexp/hps), for a tie pair
     * its {@code |s0 − s1|}. The head's loss is the mean over its A/B entries, its tie term the mean over
     * its tie entries. A copy.
     *
     * @throws IllegalArgumentException for a head that was not scored
     */
    public double[] perPair(String head) {
        double[] v = perPair.get(head);
        if (v == null) {
            throw new IllegalArgumentException("no head '" + head + "' in this result; heads: " + perPair.keySet());
        }
        return v.clone();
    }

    /** Total loss with gradient. */
    public NDArray loss() {
        return loss;
    }

    public double value() {
        return value;
    }

    /** Mean loss over the A/B pairs of each head that has any. */
    public Map<String, Double> headLosses() {
        return headLoss;
    }

    /** {@code mean|s0 − s1|} over each head's tie pairs (0 without ties); the total adds 0.01 × their sum. */
    public Map<String, Double> tieTerms() {
        return tieTerm;
    }

    /** Fraction of A/B pairs (all heads) whose preferred score is strictly higher; NaN without A/B pairs. */
    public double accuracy() {
        return accuracy;
    }

    public int decidedPairs() {
        return decidedPairs;
    }

    /** {@code loss}, {@code accuracy}, then per head {@code loss/<head>}, {@code tie/<head>}, {@code accuracy/<head>}. */
    public Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", value);
        if (!Double.isNaN(accuracy)) {
            m.put("accuracy", accuracy);
        }
        headLoss.forEach((h, v) -> m.put("loss/" + h, v));
        tieTerm.forEach((h, v) -> m.put("tie/" + h, v));
        headAccuracy.forEach((h, v) -> m.put("accuracy/" + h, v));
        return m;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("RewardLossResult  loss = %.6f   (%s, %d A/B pairs)%n", value, type, decidedPairs));
        metrics().forEach((k, v) -> {
            if (!k.equals("loss")) {
                sb.append(String.format("  %-22s %12.6f%n", k, v));
            }
        });
        return sb.toString().stripTrailing();
    }
}
