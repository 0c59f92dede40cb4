package mpo4j.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.engine.Scalar;

/**
 * The clipped-surrogate policy loss of TRL's {@code GRPOTrainer} ({@code _compute_loss}) for the loss
 * types grpo, bnpo, dr_grpo and dapo, at token (GRPO) or sequence (GSPO) level, with the optional k3 KL
 * to a reference.
 *
 * <p>Per token t of completion b, with {@code r = exp(logp - old)} (GSPO: one r per completion,
 * {@code exp(sum_t mask (logp - old) / max(1, sum_t mask))}) and advantage A_b:
 * {@code loss_bt = -min(r A, clamp(r, 1 - epsilon, 1 + epsilonHigh) A) + beta * kl_bt}, with
 * {@code kl = exp(ref - logp) - (ref - logp) - 1} (times r when {@code useBiasCorrectionKl}). The
 * masked losses are then aggregated by {@link GrpoLossType}.
 *
 * <p>All arithmetic with Java numbers goes through {@link Scalar} so the graph survives garbage
 * collection; works in float32 and float64 (the type of {@code logps}).
 */
public final class GrpoLoss {
    private final GrpoLossConfig config;

    /** The loss with {@code config}'s settings. */
    public GrpoLoss(GrpoLossConfig config) { this.config = config; }

    /** The configuration it was built with. */
    public GrpoLossConfig config() { return config; }

    /**
     * The loss of one micro-batch that is the whole generation batch and no gradient accumulation:
     * {@code num_items_in_batch} = this mask's token count, accumulation steps 1.
     */
    public PolicyLossResult compute(NDArray logps, NDArray oldLogps, NDArray refLogps, NDArray advantages, NDArray mask) {
        return compute(logps, oldLogps, refLogps, advantages, mask, sum(HostArrays.doubles(mask)), 1);
    }

    /**
     * The loss exactly as TRL back-propagates it.
     *
     * @param logps the policy's per-token log-probs {@code [B, T]}, differentiable
     * @param oldLogps the sampling policy's per-token log-probs {@code [B, T]}; null means "on-policy", TRL's
     *     {@code logps.detach()} (every ratio exactly 1)
     * @param refLogps the reference's per-token log-probs {@code [B, T]}; needed only when beta > 0
     * @param advantages one per completion {@code [B]}
     * @param mask completion mask {@code [B, T]} (1 = a completion token that counts)
     * @param numItemsInBatch for dapo: the completion tokens of the whole generation batch (TRL's
     *     {@code num_items_in_batch}), at least 1 is used
     * @param gradientAccumulationSteps for grpo, bnpo, dr_grpo: TRL divides their loss by this (dapo's
     *     normaliser already spans the accumulation)
     */
    public PolicyLossResult compute(NDArray logps, NDArray oldLogps, NDArray refLogps, NDArray advantages, NDArray mask,
            double numItemsInBatch, int gradientAccumulationSteps) {
        Shape shape = logps.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("logps must be [B, T], got " + shape);
        }
        int rows = Math.toIntExact(shape.get(0));
        requireShape("mask", mask, shape);
        requireShape("advantages", advantages, new Shape(rows));
        if (oldLogps != null) {
            requireShape("old log-probs", oldLogps, shape);
        }
        if (config.beta() != 0) {
            if (refLogps == null) {
                throw new IllegalArgumentException("beta = " + config.beta() + " needs the reference log-probs (or set beta to 0)");
            }
            requireShape("reference log-probs", refLogps, shape);
        }
        if (gradientAccumulationSteps < 1) {
            throw new IllegalArgumentException("gradient_accumulation_steps must be >= 1, got " + gradientAccumulationSteps);
        }
        DataType type = logps.getDataType();
        NDArray m = mask.toType(type, false);
        NDArray old = oldLogps == null ? logps.stopGradient() : oldLogps.toType(type, false);
        NDArray logRatio = logps.sub(old);
        NDArray logWeights = config.importanceSamplingLevel() == ImportanceSamplingLevel.TOKEN
                ? logRatio
                : logRatio.mul(m).sum(new int[] {1}, true).div(Scalar.maximum(m.sum(new int[] {1}, true), 1.0));
        NDArray ratio = logWeights.exp();
        NDArray clipped = Scalar.minimum(Scalar.maximum(ratio, 1 - config.epsilon()), 1 + config.upperEpsilon());
        NDArray a = advantages.toType(type, false).reshape(rows, 1);
        NDArray perToken = ratio.mul(a).minimum(clipped.mul(a)).neg();
        NDArray kl = null;
        if (config.beta() != 0) {
            NDArray delta = refLogps.toType(type, false).sub(logps);
            kl = delta.exp().sub(delta).sub(1);
            if (config.useBiasCorrectionKl()) {
                kl = kl.mul(ratio);
            }
            perToken = perToken.add(Scalar.mul(kl, config.beta()));
        }
        NDArray masked = perToken.mul(m);
        NDArray loss;
        switch (config.lossType()) {
            case GRPO:
                loss = masked.sum(new int[] {1}).div(Scalar.maximum(m.sum(new int[] {1}), 1.0)).mean();
                break;
            case BNPO:
                loss = masked.sum().div(Scalar.maximum(m.sum(), 1.0));
                break;
            case DR_GRPO:
                loss = Scalar.div(masked.sum(), (double) rows * config.maxCompletionLength());
                break;
            case DAPO:
                loss = Scalar.div(masked.sum(), Math.max(numItemsInBatch, 1.0));
                break;
            default:
                throw new IllegalStateException("unknown loss type " + config.lossType());
        }
        if (config.lossType() != GrpoLossType.DAPO && gradientAccumulationSteps > 1) {
            loss = Scalar.div(loss, gradientAccumulationSteps);
        }
        return new PolicyLossResult(loss, metrics(ratio, kl, advantages, mask, rows));
    }

    /**
     * TRL's logged metrics: {@code kl} (token mean, when beta > 0), {@code clip_ratio/low_mean},
     * {@code clip_ratio/high_mean}, {@code clip_ratio/region_mean} (token-weighted over the batch; GSPO:
     * the mean over completions), {@code clip_ratio/low_min} and {@code clip_ratio/high_max} (min / max
     * over completions of each completion's share, completions without tokens skipped). Low counts where
     * the ratio is below {@code 1 - epsilon} with a negative advantage, high above {@code 1 + epsilonHigh}
     * with a positive one: where the clip binds.
     */
    private Map<String, Double> metrics(NDArray ratio, NDArray kl, NDArray advantages, NDArray mask, int rows) {
        double[] r = HostArrays.doubles(ratio);
        double[] a = HostArrays.doubles(advantages);
        double[] m = HostArrays.doubles(mask);
        int length = m.length / Math.max(rows, 1);
        boolean perSequence = r.length == rows && config.importanceSamplingLevel() == ImportanceSamplingLevel.SEQUENCE;
        double lowLimit = 1 - config.epsilon();
        double highLimit = 1 + config.upperEpsilon();
        double low = 0, high = 0, region = 0, weight = 0;
        double lowMin = Double.NaN, highMax = Double.NaN;
        for (int b = 0; b < rows; b++) {
            double rowLow = 0, rowHigh = 0, rowWeight = 0;
            for (int t = 0; t < (perSequence ? 1 : length); t++) {
                double w = perSequence ? 1 : m[b * length + t];
                double value = r[perSequence ? b : b * length + t];
                boolean isLow = value < lowLimit && a[b] < 0;
                boolean isHigh = value > highLimit && a[b] > 0;
                rowLow += isLow ? w : 0;
                rowHigh += isHigh ? w : 0;
                rowWeight += w;
            }
            low += rowLow;
            high += rowHigh;
            region += rowLow + rowHigh;
            weight += rowWeight;
            if (rowWeight > 0) {
                lowMin = Double.isNaN(lowMin) ? rowLow / rowWeight : Math.min(lowMin, rowLow / rowWeight);
                highMax = Double.isNaN(highMax) ? rowHigh / rowWeight : Math.max(highMax, rowHigh / rowWeight);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        if (kl != null) {
            out.put("kl", maskedMean(HostArrays.doubles(kl), m));
        }
        double denominator = Math.max(weight, 1.0);
        out.put("clip_ratio/low_mean", low / denominator);
        out.put("clip_ratio/high_mean", high / denominator);
        out.put("clip_ratio/region_mean", region / denominator);
        out.put("clip_ratio/low_min", lowMin);
        out.put("clip_ratio/high_max", highMax);
        return out;
    }

    /** {@code sum(x * mask) / max(1, sum(mask))}: TRL's token-weighted mean over a batch. */
    static double maskedMean(double[] x, double[] mask) {
        double total = 0, count = 0;
        for (int i = 0; i < x.length; i++) {
            total += x[i] * mask[i];
            count += mask[i];
        }
        return total / Math.max(count, 1.0);
    }

    private static double sum(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s;
    }

    static void requireShape(String what, NDArray x, Shape expected) {
        if (!x.getShape().equals(expected)) {
            throw new IllegalArgumentException(what + " must have shape " + expected + ", got " + x.getShape());
        }
    }
}
