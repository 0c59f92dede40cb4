package mpo4j.model;

import java.util.Map;
import mpo4j.model.QwenCheckpoints.Dims;
import mpo4j.model.QwenCheckpoints.Tensor;

/**
 * transformers' Qwen2/Qwen3 forward for one unpadded row, written out loop by loop in double
 * precision from the reference code's formulas (modeling_qwen2.py / modeling_qwen3.py): the
 * independent computation the tests compare the model against.
 */
final class QwenReference {
    private final Map<String, Tensor> w;
    private final Dims d;
    private final boolean qwen3;
    private final double eps;
    private final double ropeBase;

    QwenReference(Map<String, Tensor> weights, Dims dims, boolean qwen3, double eps, double ropeBase) {
        this.w = weights;
        this.d = dims;
        this.qwen3 = qwen3;
        this.eps = eps;
        this.ropeBase = ropeBase;
    }

    /** Logits {@code [L][vocab]} of the row {@code ids} at positions 0..L-1. */
    double[][] logits(long[] ids) {
        int len = ids.length;
        double[][] x = new double[len][];
        for (int t = 0; t < len; t++) {
            x[t] = row("model.embed_tokens.weight", (int) ids[t]);
        }
        for (int layer = 0; layer < d.layers(); layer++) {
            String p = "model.layers." + layer + ".";
            double[][] q = new double[len][];
            double[][] k = new double[len][];
            double[][] v = new double[len][];
            for (int t = 0; t < len; t++) {
                double[] h = rmsNorm(x[t], vector(p + "input_layernorm.weight"));
                q[t] = rope(headNorm(linear(p + "self_attn.q_proj", h), d.heads(), p + "self_attn.q_norm.weight"), d.heads(), t);
                k[t] = rope(headNorm(linear(p + "self_attn.k_proj", h), d.kvHeads(), p + "self_attn.k_norm.weight"), d.kvHeads(), t);
                v[t] = linear(p + "self_attn.v_proj", h);
            }
            for (int t = 0; t < len; t++) {
                double[] attended = new double[d.heads() * d.headDim()];
                for (int head = 0; head < d.heads(); head++) {
                    int kvHead = head / (d.heads() / d.kvHeads()); // GQA: consecutive query heads share a kv head
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) { // causal: keys at or before t
                        double dot = 0;
                        for (int i = 0; i < d.headDim(); i++) {
                            dot += q[t][head * d.headDim() + i] * k[s][kvHead * d.headDim() + i];
                        }
                        scores[s] = dot / Math.sqrt(d.headDim());
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        sum += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int i = 0; i < d.headDim(); i++) {
                            attended[head * d.headDim() + i] += scores[s] / sum * v[s][kvHead * d.headDim() + i];
                        }
                    }
                }
                x[t] = add(x[t], linear(p + "self_attn.o_proj", attended));
                double[] h = rmsNorm(x[t], vector(p + "post_attention_layernorm.weight"));
                double[] gate = linear(p + "mlp.gate_proj", h);
                double[] up = linear(p + "mlp.up_proj", h);
                double[] act = new double[gate.length];
                for (int i = 0; i < act.length; i++) {
                    act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i]; // silu(gate) * up
                }
                x[t] = add(x[t], linear(p + "mlp.down_proj", act));
            }
        }
        double[][] logits = new double[len][];
        String head = d.tied() ? "model.embed_tokens.weight" : "lm_head.weight";
        for (int t = 0; t < len; t++) {
            double[] h = rmsNorm(x[t], vector("model.norm.weight"));
            logits[t] = new double[d.vocab()];
            for (int j = 0; j < d.vocab(); j++) {
                double[] r = row(head, j);
                for (int i = 0; i < h.length; i++) {
                    logits[t][j] += r[i] * h[i];
                }
            }
        }
        return logits;
    }

    /** {@code w * x / sqrt(mean(x^2) + eps)}. */
    private double[] rmsNorm(double[] x, double[] weight) {
        double mean = 0;
        for (double a : x) {
            mean += a * a / x.length;
        }
        double scale = 1 / Math.sqrt(mean + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = weight[i] * x[i] * scale;
        }
        return out;
    }

    /** Qwen3's q_norm/k_norm: RMSNorm over each head's head_dim values; Qwen2 has none. */
    private double[] headNorm(double[] x, int heads, String weight) {
        if (!qwen3) {
            return x;
        }
        double[] out = new double[x.length];
        for (int head = 0; head < heads; head++) {
            double[] part = java.util.Arrays.copyOfRange(x, head * d.headDim(), (head + 1) * d.headDim());
            System.arraycopy(rmsNorm(part, vector(weight)), 0, out, head * d.headDim(), d.headDim());
        }
        return out;
    }

    /** Rotate-half RoPE per head: pair (i, i + d/2) turned by {@code position * base^(-2i/d)}. */
    private double[] rope(double[] x, int heads, int position) {
        int dim = d.headDim();
        int half = dim / 2;
        double[] out = x.clone();
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < half; i++) {
                double angle = position * Math.pow(ropeBase, -2.0 * i / dim);
                double a = x[head * dim + i];
                double b = x[head * dim + i + half];
                out[head * dim + i] = a * Math.cos(angle) - b * Math.sin(angle);
                out[head * dim + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
        return out;
    }

    /** {@code W x + b} with {@code W} stored [out, in]; the bias only when the checkpoint has one. */
    private double[] linear(String module, double[] x) {
        Tensor weight = w.get(module + ".weight");
        Tensor bias = w.get(module + ".bias");
        int out = (int) weight.shape()[0];
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double[] r = row(module + ".weight", o);
            for (int i = 0; i < x.length; i++) {
                y[o] += r[i] * x[i];
            }
            if (bias != null) {
                y[o] += bias.values()[o];
            }
        }
        return y;
    }

    private double[] row(String name, int r) {
        Tensor t = w.get(name);
        int cols = (int) t.shape()[1];
        double[] out = new double[cols];
        for (int i = 0; i < cols; i++) {
            out[i] = t.values()[r * cols + i];
        }
        return out;
    }

    private double[] vector(String name) {
        float[] v = w.get(name).values();
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }
}
