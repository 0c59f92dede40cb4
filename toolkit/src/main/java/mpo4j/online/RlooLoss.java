package mpo4j.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.engine.Scalar;

/**
 * The policy loss of TRL's {@code RLOOTrainer}: one importance ratio per completion from the masked
 * <em>sum</em> of its token log-probs (not GSPO's mean), {@code r = exp(sum_t mask logp - old)}, clipped
 * to {@code [1 - epsilon, 1 + epsilonHigh]}; loss = mean over completions of {@code -min(r A, clip(r) A)}.
 * The KL is not in the loss: RLOO puts it in the reward ({@link LeaveOneOutAdvantages#penalize}).
 */
public final class RlooLoss {
    private final RlooConfig config;

    /** The loss with {@code config}'s clipping range. */
    public RlooLoss(RlooConfig config) { this.config = config; }

    /**
     * @param logps the policy's per-token log-probs {@code [B, T]}, differentiable
     * @param mask completion mask {@code [B, T]}
     * @param oldLogps the sampling policy's masked sum of log-probs per completion {@code [B]}; null means
     *     on-policy (the detached sum, ratio 1)
     * @param advantages one per completion {@code [B]}
     * @return the loss (unscaled: the caller divides by gradient-accumulation steps, as HF's Trainer does
     *     for RLOO) and {@code clip_ratio/low_mean|high_mean|region_mean} (shares of completions),
     *     {@code clip_ratio/low_min}, {@code clip_ratio/high_max}
     */
    public PolicyLossResult compute(NDArray logps, NDArray mask, NDArray oldLogps, NDArray advantages) {
        Shape shape = logps.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("logps must be [B, T], got " + shape);
        }
        int rows = Math.toIntExact(shape.get(0));
        GrpoLoss.requireShape("mask", mask, shape);
        GrpoLoss.requireShape("advantages", advantages, new Shape(rows));
        if (oldLogps != null) {
            GrpoLoss.requireShape("old sequence log-probs", oldLogps, new Shape(rows));
        }
        DataType type = logps.getDataType();
        NDArray sequence = logps.mul(mask.toType(type, false)).sum(new int[] {1});
        NDArray old = oldLogps == null ? sequence.stopGradient() : oldLogps.toType(type, false);
        NDArray ratio = sequence.sub(old).exp();
        NDArray clipped = Scalar.minimum(Scalar.maximum(ratio, 1 - config.epsilon()), 1 + config.upperEpsilon());
        NDArray a = advantages.toType(type, false);
        NDArray loss = ratio.mul(a).minimum(clipped.mul(a)).neg().mean();

        double[] r = HostArrays.doubles(ratio);
        double[] adv = HostArrays.doubles(a);
        double low = 0, high = 0;
        double lowMin = Double.NaN, highMax = Double.NaN;
        for (int b = 0; b < rows; b++) {
            double isLow = r[b] < 1 - config.epsilon() && adv[b] < 0 ? 1 : 0;
            double isHigh = r[b] > 1 + config.upperEpsilon() && adv[b] > 0 ? 1 : 0;
            low += isLow;
            high += isHigh;
            lowMin = b == 0 ? isLow : Math.min(lowMin, isLow);
            highMax = b == 0 ? isHigh : Math.max(highMax, isHigh);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("clip_ratio/low_mean", rows == 0 ? Double.NaN : low / rows);
        metrics.put("clip_ratio/high_mean", rows == 0 ? Double.NaN : high / rows);
        metrics.put("clip_ratio/region_mean", rows == 0 ? Double.NaN : (low + high) / rows);
        metrics.put("clip_ratio/low_min", lowMin);
        metrics.put("clip_ratio/high_max", highMax);
        return new PolicyLossResult(loss, metrics);
    }
}
