package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.Test;

/**
 * Grouped-query attention ({@code num_key_value_heads < num_attention_heads}), computed without copies
 * of the keys and values, against Hugging Face's {@code repeat_kv} formulation written out head by head
 * here: query head {@code j} reads key/value head {@code j / (heads / kvHeads)}, scores
 * {@code q_j k^T / sqrt(d) + mask}, softmax, times {@code v}. Outputs and the gradients of the input and
 * of every projection's weight and bias must agree.
 *
 * <p>Tolerance, per array: 1e-5 of its largest magnitude. Both sides compute the same float32 products
 * and sums, in another order (one product per group of query heads against one per head; the 1/sqrt(d)
 * on the query projection against a division of the scores; d = 4, so the scale 1/2 is exact either
 * way); with sums of at most 24 terms and float32 rounding of 6e-8 relative per operation, the
 * differences stay near 1e-7 of the largest value (observed: at most 1.2e-7 of it, many arrays
 * identical). A query head paired with the wrong key/value head changes the outputs by 10% or more
 * (checked by pairing head j with j mod kvHeads: every case fails).
 */
class GroupedQueryAttentionTest {
    static {
        Mpo4jEngine.ensureOffline();
    }

    private static final long ROWS = 2;
    private static final int LEN = 5;

    @Test
    void groupedEqualsRepeatedKeysAndValuesWithACausalMask() {
        for (int kvHeads : new int[] {1, 2, 3}) {
            compare(DecoderConfig.qwen2(11, 24, 1, 6, kvHeads, 16, true), m -> Decoder.causalMask(LEN, m), "causal, kv " + kvHeads);
        }
    }

    @Test
    void groupedEqualsRepeatedKeysAndValuesWithPerRowMasks() {
        // row 1 left-padded by 2: its first two queries see no key at all (uniform over masked scores, on both sides)
        compare(DecoderConfig.qwen2(11, 24, 1, 6, 2, 16, true), m -> Decoder.leftPaddedMask(new int[] {0, 2}, LEN, 0, LEN, m),
                "left-padded");
    }

    @Test
    void groupedEqualsRepeatedKeysAndValuesWithQueryAndKeyNorms() {
        // Qwen3-style: q/k RMSNorm per head, so the queries are scaled after the norm, not in the weights
        DecoderConfig c = new DecoderConfig(11, 24, 1, 6, 2, 4, 16, 1e-6, 10000, false, false, true, true, 32768, null);
        compare(c, m -> Decoder.causalMask(LEN, m), "qk-norm");
    }

    private interface MaskMaker {
        NDArray make(NDManager m);
    }

    private static void compare(DecoderConfig c, MaskMaker masks, String what) {
        try (NDManager m = NDManager.newBaseManager()) {
            Decoder.Attention attention = new Decoder.Attention(Weights.root(Weights.seeded(5), m, true).at("self_attn"), c);
            for (Nn.Linear l : new Nn.Linear[] {attention.q, attention.k, attention.v}) {
                if (l.bias != null) {
                    l.bias.getArray().set(m.randomNormal(0, 0.5f, l.bias.getShape(), l.bias.getArray().getDataType()).toFloatArray());
                }
            }
            NDArray x = m.randomNormal(new Shape(ROWS, LEN, c.hiddenSize()));
            x.setRequiresGradient(true);
            NDArray probe = m.randomNormal(new Shape(ROWS, LEN, c.hiddenSize()));
            Decoder.Rotary rotary = new Decoder.Rotary(m, 0, LEN, c);
            NDArray mask = masks.make(m);
            Map<String, float[]> grouped = run(m, x, probe, attention, () -> attention.apply(x, rotary, mask, null, 0));
            Map<String, float[]> repeated = run(m, x, probe, attention, () -> repeatedKv(attention, c, x, rotary, mask));
            assertEquals(repeated.keySet(), grouped.keySet());
            for (String key : repeated.keySet()) {
                float[] expected = repeated.get(key);
                assertArrayEquals(expected, grouped.get(key), (float) (1e-5 * maxAbs(expected)), what + ": " + key);
            }
        }
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** The output and, after backward of {@code Σ output·probe}, the gradients of x and of every parameter. */
    private static Map<String, float[]> run(NDManager m, NDArray x, NDArray probe, Decoder.Attention a, Supplier<NDArray> forward) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager step = m.newSubManager(); GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            step.tempAttachAll(x, probe);
            collector.zeroGradients();
            NDArray y = forward.get();
            out.put("output", y.toFloatArray());
            collector.backward(y.mul(probe).sum());
            out.put("grad x", x.getGradient().toFloatArray());
            for (Nn.Linear l : new Nn.Linear[] {a.q, a.k, a.v, a.o}) {
                out.put("grad " + l.moduleName() + ".weight", l.weight.getArray().getGradient().toFloatArray());
                if (l.bias != null) {
                    out.put("grad " + l.moduleName() + ".bias", l.bias.getArray().getGradient().toFloatArray());
                }
            }
        }
        return out;
    }

    /** Hugging Face's formulation, head by head: each query head against its own (repeated) key/value head. */
    private static NDArray repeatedKv(Decoder.Attention a, DecoderConfig c, NDArray x, Decoder.Rotary rotary, NDArray mask) {
        int heads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        int d = c.headDim();
        NDArray q = perHead(a.q.apply(x), heads, d, a.qNorm);          // [N, h, L, d]
        NDArray k = perHead(a.k.apply(x), kvHeads, d, a.kNorm);        // [N, kv, L, d]
        NDArray v = perHead(a.v.apply(x), kvHeads, d, null);
        q = rotary.apply(q);
        k = rotary.apply(k);
        NDArray rowMask = mask.getShape().dimension() == 2 ? mask.expandDims(0) : mask;   // [1 or N, L, L]
        List<NDArray> outputs = new ArrayList<>();
        for (int j = 0; j < heads; j++) {
            int kv = j / (heads / kvHeads);
            NDArray qj = q.get(":, " + j);                                                   // [N, L, d]
            NDArray scores = qj.batchMatMul(k.get(":, " + kv).transpose(0, 2, 1)).div(Math.sqrt(d)).add(rowMask);
            outputs.add(scores.softmax(-1).batchMatMul(v.get(":, " + kv)));                 // [N, L, d]
        }
        return a.o.apply(NDArrays.concat(new NDList(outputs), -1));                          // heads side by side: [N, L, h·d]
    }

    private static NDArray perHead(NDArray projected, int heads, int d, Nn.RmsNorm norm) {
        Shape s = projected.getShape();
        NDArray split = projected.reshape(s.get(0), s.get(1), heads, d);
        if (norm != null) {
            split = norm.apply(split);
        }
        return split.transpose(0, 2, 1, 3);
    }
}
