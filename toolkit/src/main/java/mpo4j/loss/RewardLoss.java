package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import mpo4j.engine.Scalar;

/**
 * Scalar reward-model losses (LightRFT-style), immutable: {@code sigmoid} (Bradley–Terry with
 * margin m, default 0.1), {@code logexp} and {@code hps} (both {@code log(1 + e^(r−c))}, margin ignored).
 *
 * <p>Per head, each pair carries a label: {@code A} (input 0 preferred), {@code B} (input 1
 * preferred), anything else is a tie. A head's loss is the mean over its A/B pairs; its tie term is
 * {@code mean|s0 − s1|} over its tie pairs (0 without ties). The total is the sum of the losses of the
 * heads that have at least one A/B pair plus {@link #TIE_COEFFICIENT} × the sum of the tie terms
 * (the 0.01 is applied once). Accuracy counts A/B pairs whose chosen score is strictly higher.
 */
public final class RewardLoss {
    /** The weight of the tie terms in the total. */
    public static final double TIE_COEFFICIENT = 0.01;

    /** The loss formulas. */
    public enum Type {
        SIGMOID("sigmoid"), LOGEXP("logexp"), HPS("hps");

        private final String name;

        Type(String name) {
            this.name = name;
        }

        public String trlName() {
            return name;
        }

        public static Type of(String name) {
            String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
            for (Type t : values()) {
                if (t.name.equals(key)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown reward loss '" + name + "'; valid reward losses: "
                    + Arrays.stream(values()).map(Type::trlName).collect(Collectors.joining(", ")));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Scores of one head: {@code scores0}/{@code scores1} are {@code [N]}, {@code labels} has N entries
     * ({@code null}, like any label other than A or B, is a tie: a reward pair's missing label).
     */
    public record HeadScores(String head, NDArray scores0, NDArray scores1, List<String> labels) {
        public HeadScores {
            Objects.requireNonNull(head, "head");
            labels = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(labels));   // List.copyOf rejects null
            if (scores0.getShape().size() != labels.size() || scores1.getShape().size() != labels.size()) {
                throw new IllegalArgumentException("head '" + head + "': scores0 " + scores0.getShape() + ", scores1 "
                        + scores1.getShape() + " and " + labels.size() + " labels disagree on the number of pairs");
            }
        }
    }

    private final Type type;
    private final double margin;

    private RewardLoss(Type type, double margin) {
        if (!Double.isFinite(margin)) {
            throw new IllegalArgumentException("reward loss '" + type + "': margin must be finite, got " + margin);
        }
        this.type = type;
        this.margin = margin;
    }

    public static RewardLoss of(String name) {
        return new RewardLoss(Type.of(name), 0.1);
    }

    public static RewardLoss sigmoid() {
        return new RewardLoss(Type.SIGMOID, 0.1);
    }

    public static RewardLoss logexp() {
        return new RewardLoss(Type.LOGEXP, 0.1);
    }

    public static RewardLoss hps() {
        return new RewardLoss(Type.HPS, 0.1);
    }

    /** The Bradley–Terry margin (only {@code sigmoid} reads it). */
    public RewardLoss margin(double m) {
        return new RewardLoss(type, m);
    }

    public Type type() {
        return type;
    }

    public double margin() {
        return margin;
    }

    public RewardLossResult compute(HeadScores... heads) {
        return compute(List.of(heads));
    }

    /** The loss over all heads; {@link RewardLossResult#loss()} lives in the first head's manager. */
    public RewardLossResult compute(List<HeadScores> heads) {
        if (heads.isEmpty()) {
            throw new IllegalArgumentException("reward loss '" + type + "': no heads given");
        }
        NDManager parent = heads.get(0).scores0().getManager();
        {
            // No sub-scope that closes before backward: arrays DJL builds from Java memory (create(float[]),
            // the scalar behind mul(Number)) may be saved by autograd and must live in the caller's step
            // scope until backward has run. Vocabulary-sized temporaries are closed explicitly instead.
            NDManager scope = parent;
            NDArray total = null;
            Map<String, Double> headLoss = new LinkedHashMap<>();
            Map<String, Double> tieTerm = new LinkedHashMap<>();
            Map<String, Double> headAccuracy = new LinkedHashMap<>();
            Map<String, double[]> perPairValues = new LinkedHashMap<>();
            int correct = 0;
            int decidedAll = 0;
            for (HeadScores h : heads) {
                int n = h.labels().size();
                DataType dt = h.scores0().getDataType();
                float[] sign = new float[n];   // +1: input 0 preferred, −1: input 1 preferred, 0: tie
                float[] tie = new float[n];
                int decided = 0;
                int ties = 0;
                for (int i = 0; i < n; i++) {
                    String label = h.labels().get(i) == null ? "" : h.labels().get(i).trim().toUpperCase(Locale.ROOT);
                    if (label.equals("A")) {
                        sign[i] = 1;
                        decided++;
                    } else if (label.equals("B")) {
                        sign[i] = -1;
                        decided++;
                    } else {
                        tie[i] = 1;
                        ties++;
                    }
                }
                double[] s0 = Nd.doubles(h.scores0().reshape(-1));
                double[] s1 = Nd.doubles(h.scores1().reshape(-1));
                for (int i = 0; i < n; i++) {
                    if (Double.isNaN(s0[i]) || Double.isNaN(s1[i])) {
                        throw new IllegalArgumentException("reward loss '" + type + "', head '" + h.head()
                                + "': NaN score at pair " + i);
                    }
                }
                int headCorrect = 0;
                for (int i = 0; i < n; i++) {
                    if (sign[i] != 0 && sign[i] * (s0[i] - s1[i]) > 0) {
                        headCorrect++;
                    }
                }
                correct += headCorrect;
                decidedAll += decided;
                NDArray diff = h.scores0().reshape(-1).sub(h.scores1().reshape(-1));   // s0 − s1
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    values[i] = Math.abs(s0[i] - s1[i]);      // a tie pair's share of the tie term
                }
                if (decided > 0) {
                    NDArray margins = diff.mul(scope.create(sign).toType(dt, false));       // c − r
                    NDArray perPair = type == Type.SIGMOID
                            ? Activation.softPlus(margins.sub(margin).neg())                   // −log σ(c − r − m)
                            : Activation.softPlus(margins.neg());                              // log(1 + e^(r − c))
                    NDArray mask = scope.create(sign).abs().toType(dt, false);
                    NDArray loss = Scalar.div(perPair.mul(mask).sum(), decided);
                    double[] pairLoss = Nd.doubles(perPair);
                    for (int i = 0; i < n; i++) {
                        if (sign[i] != 0) {
                            values[i] = pairLoss[i];
                        }
                    }
                    headLoss.put(h.head(), Nd.scalar(loss));
                    headAccuracy.put(h.head(), headCorrect / (double) decided);
                    total = total == null ? loss : total.add(loss);
                }
                if (ties > 0) {
                    NDArray term = Scalar.div(diff.abs().mul(scope.create(tie).toType(dt, false)).sum(), ties);
                    tieTerm.put(h.head(), Nd.scalar(term));
                    // the coefficient takes the scores' type: a Java double would promote a float32 total to float64
                    NDArray weighted = Scalar.mul(term, TIE_COEFFICIENT);
                    total = total == null ? weighted : total.add(weighted);
                } else {
                    tieTerm.put(h.head(), 0.0);
                }
                perPairValues.put(h.head(), values);
            }
            if (total == null) {
                total = scope.zeros(new ai.djl.ndarray.types.Shape(), heads.get(0).scores0().getDataType());
            }
            double value = Nd.scalar(total);
            if (!Double.isFinite(value)) {
                throw new IllegalStateException("reward loss '" + type + "' is " + value);
            }
            double accuracy = decidedAll == 0 ? Double.NaN : correct / (double) decidedAll;
            return new RewardLossResult(total, value, type, headLoss, tieTerm, headAccuracy, accuracy, decidedAll, perPairValues);
        }
    }

    @Override
    public String toString() {
        return "RewardLoss[" + type + (type == Type.SIGMOID ? ", margin " + margin : "") + "]";
    }
}
