package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.model.Nn.Linear;
import org.junit.jupiter.api.Test;

/**
 * The run-time fusions of the attention and MLP layers against the plain layers they replace: one
 * matrix product of concatenated weights must give each layer's own output (queries scaled), with
 * adapters too, and the head-major layout must hold each head of each row where the attention reads it.
 */
class FusedLayersTest {

    static {
        Mpo4jEngine.ensureOffline();
    }

    @Test
    void fusedProjectionEqualsEachLayerAloneWithTheQueriesScaled() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.root(Weights.seeded(7), m, false);
            Linear q = new Linear(w.at("q"), 4, 4, true);
            Linear k = new Linear(w.at("k"), 4, 2, true);
            Linear v = new Linear(w.at("v"), 4, 2, true);
            q.bias.getArray().addi(0.5f);
            k.bias.getArray().addi(-0.25f);
            // 3 rows run each layer alone, 10 rows (>= 2 per input feature) one product of the joined weights
            for (long rows : new long[] {3, 10}) {
                NDArray x = m.randomNormal(new Shape(1, rows, 4));
                // 2 heads over 4 query rows: head_dim 2, scale 2^-0.5
                NDArray fused = Nn.FusedLinear.queryScaled(4, 2, q, k, v).apply(x);
                NDArray separate = NDArrays.concat(new NDList(q.apply(x).mul(1 / Math.sqrt(2)), k.apply(x), v.apply(x)), -1);
                assertEquals(new Shape(1, rows, 8), fused.getShape());
                assertArrayEquals(separate.toFloatArray(), fused.toFloatArray(), 1e-6f, rows + " rows");
            }
        }
    }

    @Test
    void anAdapterOfOnePartIsAddedToItsSliceOnlyAndScaledLikeIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.root(Weights.seeded(3), m, false);
            Linear q = new Linear(w.at("q"), 3, 2, false);
            Linear k = new Linear(w.at("k"), 3, 2, false);
            // the adapter adds the input's first two features (times 10) to q's output, which is scaled by
            // 1/sqrt(2) (1 head of 2 rows): the fused q slice is (x W_q^T + 10 x[:, :2]) / sqrt(2)
            LinearAdapter tenTimesFirstTwo = in -> in.get(":, :2").mul(10);
            for (long rows : new long[] {5, 6}) {    // alone, joined (6 = 2 rows per input feature)
                NDArray x = m.randomNormal(new Shape(rows, 3));
                try (AdapterScope scope = AdapterScope.open(Map.of(q, tenTimesFirstTwo))) {
                    NDArray fused = Nn.FusedLinear.queryScaled(2, 1, q, k).apply(x);
                    NDArray plainQ = x.getNDArrayInternal().linear(x, q.weight.getArray(), null).singletonOrThrow();
                    NDArray expectedQ = plainQ.add(x.get(":, :2").mul(10)).mul(1 / Math.sqrt(2));
                    NDArray plainK = x.getNDArrayInternal().linear(x, k.weight.getArray(), null).singletonOrThrow();
                    assertArrayEquals(expectedQ.toFloatArray(), fused.get(":, :2").toFloatArray(), 1e-5f, rows + " rows");
                    assertArrayEquals(plainK.toFloatArray(), fused.get(":, 2:").toFloatArray(), 1e-6f, rows + " rows");
                }
            }
        }
    }

    @Test
    void oneLayersLeadingRowsCanBeScaledAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.root(Weights.seeded(5), m, false);
            Linear qkv = new Linear(w.at("qkv"), 4, 12, true);
            qkv.bias.getArray().addi(1f);
            for (long rows : new long[] {3, 8}) {
                NDArray x = m.randomNormal(new Shape(rows, 4));
                // 1 head of 4 query rows: scale 4^-0.5 = 0.5 on output features 0..3, the rest untouched
                NDArray fused = Nn.FusedLinear.queryScaled(4, 1, qkv).apply(x);
                NDArray plain = qkv.apply(x);
                assertArrayEquals(plain.get(":, :4").mul(0.5).toFloatArray(), fused.get(":, :4").toFloatArray(), 1e-6f);
                assertArrayEquals(plain.get(":, 4:").toFloatArray(), fused.get(":, 4:").toFloatArray(), 1e-6f);
            }
        }
    }

    @Test
    void aBatchLargeEnoughToJoinTheWeightsGivesEachRowWhatItGetsAlone() {
        TinyVlmConfig config = TestBatches.small().textOnly();
        // hidden 256: 8 rows of 64 tokens = 512 token rows join the weights, one row of 64 runs each layer alone
        int rows = 8;
        int len = 64;
        java.util.Random random = new java.util.Random(11);
        long[] ids = new long[rows * len];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 10 + random.nextInt(1000);
        }
        try (TinyVlm model = TinyVlm.builder(config).seed(3).build(); NDManager s = model.manager().newSubManager()) {
            NDArray all = model.hidden(TokenRows.full(rows, len, ids), null, s);
            for (int r : new int[] {0, 5}) {
                NDArray alone = model.hidden(TokenRows.of(java.util.Arrays.copyOfRange(ids, r * len, (r + 1) * len)), null, s);
                assertArrayEquals(alone.toFloatArray(), all.get("{}", r).toFloatArray(), 1e-4f, "row " + r);
            }
        }
    }

    @Test
    void headsFirstPutsHeadHOfRowNAtEntryHTimesRowsPlusN() {
        try (NDManager m = NDManager.newBaseManager()) {
            // x[n, t, c] = 100 n + 10 t + c for 2 rows, 3 positions, 2 heads of 2 channels
            float[] values = new float[2 * 3 * 4];
            for (int n = 0; n < 2; n++) {
                for (int t = 0; t < 3; t++) {
                    for (int c = 0; c < 4; c++) {
                        values[(n * 3 + t) * 4 + c] = 100 * n + 10 * t + c;
                    }
                }
            }
            NDArray x = m.create(values, new Shape(2, 3, 4));
            NDArray heads = Nn.headsFirst(x, 2);
            assertEquals(new Shape(4, 3, 2), heads.getShape());
            // entry 1·2 + 1 = 3 is head 1 of row 1: channels 2, 3 of row 1 at every position
            assertArrayEquals(new float[] {102, 103, 112, 113, 122, 123}, heads.get("3").toFloatArray(), 0f);
            // entry 1 is head 0 of row 1
            assertArrayEquals(new float[] {100, 101, 110, 111, 120, 121}, heads.get("1").toFloatArray(), 0f);
            assertArrayEquals(values, Nn.headsLast(heads, 2).toFloatArray(), 0f);
        }
    }

    @Test
    void attentionOfOneQueryIsTheSoftmaxWeightedMeanOfTheValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            // q = [1, 0], keys [1, 0] and [0, 1]: scores 1 and 0; the second key is masked for nothing,
            // so weights e/(e+1) and 1/(e+1) over values 2 and 4
            NDArray q = m.create(new float[] {1, 0}, new Shape(1, 1, 2));
            NDArray keys = m.create(new float[] {1, 0, 0, 1}, new Shape(1, 2, 2));
            NDArray values = m.create(new float[] {2, 4}, new Shape(1, 2, 1));
            double e = Math.E;
            float expected = (float) ((2 * e + 4) / (e + 1));
            assertArrayEquals(new float[] {expected}, Nn.attention(q, keys, values, null).toFloatArray(), 1e-6f);
            // a mask that hides the second key leaves only value 2
            NDArray mask = m.create(new float[] {0, Decoder.MASKED}, new Shape(1, 2));
            assertArrayEquals(new float[] {2}, Nn.attention(q, keys, values, mask).toFloatArray(), 1e-6f);
        }
    }
}
