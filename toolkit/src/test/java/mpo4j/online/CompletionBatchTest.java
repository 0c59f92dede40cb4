package mpo4j.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.generate.FinishReason;
import mpo4j.generate.SampledCompletion;
import org.junit.jupiter.api.Test;

/** Completion-length metrics and padded tensors of a batch of sampled completions. */
class CompletionBatchTest {
    private static SampledCompletion completion(int length, FinishReason reason) {
        long[] ids = new long[length];
        double[] logps = new double[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 10 + i;
            logps[i] = -0.5 * (i + 1);
        }
        return new SampledCompletion(0, 0, ids, "", logps, logps, reason);
    }

    private static final List<SampledCompletion> BATCH = List.of(
            completion(3, FinishReason.EOS_TOKEN), completion(5, FinishReason.MAX_NEW_TOKENS), completion(2, FinishReason.STOP_STRING));

    @Test
    void lengthMetricsAsTrlNamesThem() {
        Map<String, Double> m = CompletionStats.of(BATCH, 12);
        // lengths 3, 5, 2: mean 10/3, min 2, max 5; one of three truncated; terminated 3 and 2.
        assertEquals(22.0, m.get("num_tokens"));
        assertEquals(10.0 / 3, m.get("completions/mean_length"), 1e-12);
        assertEquals(2.0, m.get("completions/min_length"));
        assertEquals(5.0, m.get("completions/max_length"));
        assertEquals(1.0 / 3, m.get("completions/clipped_ratio"), 1e-12);
        assertEquals(2.5, m.get("completions/mean_terminated_length"), 1e-12);
        assertEquals(2.0, m.get("completions/min_terminated_length"));
        assertEquals(3.0, m.get("completions/max_terminated_length"));
        // all truncated: TRL reports 0 for the terminated lengths
        assertEquals(0.0, CompletionStats.of(List.of(completion(4, FinishReason.MAX_NEW_TOKENS)), 0).get("completions/mean_terminated_length"));
    }

    @Test
    void rightPaddedTensorsWithOptionalMaskingOfTruncatedRows() {
        Mpo4jEngine.ensureOffline();
        try (NDManager manager = NDManager.newBaseManager()) {
            CompletionTensors t = CompletionTensors.of(manager, BATCH, 0, true);
            assertArrayEquals(new long[] {3, 5}, t.ids().getShape().getShape());
            assertArrayEquals(new long[] {10, 11, 12, 0, 0, 10, 11, 12, 13, 14, 10, 11, 0, 0, 0}, t.ids().toLongArray());
            // row 1 is truncated: masked out entirely
            assertArrayEquals(new float[] {1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0}, t.mask().toFloatArray());
            assertArrayEquals(new float[] {-0.5f, -1f, -1.5f, 0, 0}, java.util.Arrays.copyOf(t.oldLogps().toFloatArray(), 5));
            CompletionTensors kept = CompletionTensors.of(manager, BATCH, 0, false);
            assertEquals(10f, kept.mask().sum().getFloat());
        }
    }
}
