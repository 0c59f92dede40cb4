package mpo4j.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import mpo4j.collate.PreferenceBatch;
import org.junit.jupiter.api.Test;

/**
 * Times forward+backward on the bench.md batch (8 pairs, 3 tiles, 24-token prompt, 40/32-token
 * completions). Off by default: {@code mvn test -Dtest=VlmBenchmarkTest -Dmpo4j.bench=true}.
 */
class VlmBenchmarkTest {

    @Test
    void forwardBackwardOnTheBenchBatch() {
        assumeTrue(Boolean.getBoolean("mpo4j.bench"), "benchmark disabled");
        TinyVlmConfig config = TinyVlmConfig.tinyVlm();
        // prompt: 24 text tokens around <img> + 48 <IMG_CONTEXT> + </img>; completions 40 and 32.
        PreferenceBatch batch = TestBatches.batch(config, 8, 3, 22, 40, 32, 11);
        for (boolean once : new boolean[] {true, false}) {
            try (TinyVlm model = TinyVlm.builder(config).seed(42).build()) {
                double best = Double.MAX_VALUE;
                double forwardOnly = Double.MAX_VALUE;
                for (int i = 0; i < 6; i++) {
                    try (NDManager scope = model.manager().newSubManager()) {
                        long t0 = System.nanoTime();
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            NDArray logits = model.forward(batch.concatenated().tokens(), (once ? batch.images(scope) : batch.imagesPerRow(scope)), scope);
                            collector.backward(logits.logSoftmax(-1).mean());
                        }
                        best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                        long t1 = System.nanoTime();
                        model.forward(batch.concatenated().tokens(), (once ? batch.images(scope) : batch.imagesPerRow(scope)), scope).getFloat(0, 0, 0);
                        forwardOnly = Math.min(forwardOnly, (System.nanoTime() - t1) / 1e6);
                    }
                }
                System.out.printf("visionOncePerPair=%s rows=%d len=%d params=%d forward+backward best %.1f ms, forward %.1f ms%n",
                        once, 2 * batch.pairs(), batch.concatenated().length(), model.parameterCount(), best, forwardOnly);
            }
        }
    }
}
