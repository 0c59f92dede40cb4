package mpo4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Datasets;
import mpo4j.loss.BcoDelta;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.loss.SequenceLogps;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Tokenizer;
import mpo4j.train.Grads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.model.TokenIds;

/**
 * DJL/PyTorch arrays made from Java data ({@code create(float[])}, and the scalar behind
 * {@code x.mul(Number)}) live in Java direct buffers; autograd may keep them for backward after their
 * Java handle is closed, and a garbage collection in between frees that memory. The MPO step (model
 * forward, log-probs, loss) must give the same gradients when the heap is collected and the freed
 * native memory reused between forward and backward — before the fix it gave garbage, NaN or an
 * out-of-bounds gather index.
 */
class GcSafeGradientsTest {
    @Test
    void mpoGradientsDoNotDependOnGarbageCollectionBeforeBackward(@TempDir Path dir) {
        mpo4j.engine.Mpo4jEngine.ensureOffline();
        SyntheticPairs.BatchShape shape = SyntheticPairs.BatchShape.reference().withPairs(2);
        try (Tokenizer tok = Tokenizer.load(SyntheticPairsTest.TOKENIZER)) {
            TinyVlmConfig config = TinyVlmConfig.tinyVlm().withTokenizerIds(new TokenIds((int) tok.imageContextId(),
                    (int) tok.imageStartId(), (int) tok.imageEndId(), (int) tok.padId(), (int) tok.imEndId()));
            InternVlCollator collator = Benchmark.benchCollator(tok, config, shape);
            PreferenceBatch batch = collator.collate(Datasets.mmprAnnotation(SyntheticPairs.write(dir, 2, shape, collator, 3)).toList());
            try (TinyVlm policy = TinyVlm.builder(config).seed(5).build(); TinyVlm frozen = policy.frozenCopy()) {
                float[] calm = gradients(policy, frozen, batch, false);
                float[] stressed = gradients(policy, frozen, batch, true);
                double norm = 0;
                for (float g : calm) {
                    norm += g * g;
                }
                assertTrue(norm > 0 && Double.isFinite(norm), "gradient norm² " + norm);
                assertArrayEquals(calm, stressed, 1e-6f);
            }
        }
    }

    /** Every parameter gradient of one MPO loss, flattened (first 64 values of each parameter). */
    private static float[] gradients(TinyVlm policy, TinyVlm frozen, PreferenceBatch batch, boolean collectBeforeBackward) {
        List<NDArray> params = new ArrayList<>();
        for (Parameter p : policy.parameters().values()) {
            params.add(p.getArray());
        }
        Grads.zero(params);
        try (NDManager step = policy.manager().newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            SequenceLogps logps = SequenceLogps.fromLogits(policy.forward(batch.concatenated().tokens(), batch.images(step), step), batch.concatenated(), false);
            ReferenceLogps ref;
            try (NDManager s = step.newSubManager()) {
                ref = ReferenceLogps.from(SequenceLogps.fromLogits(frozen.forward(batch.concatenated().tokens(), batch.images(s), s).stopGradient(), batch.concatenated(), false));
            }
            NDArray loss = PreferenceLoss.mpo().compute(logps, ref, new BcoDelta()).loss();
            if (collectBeforeBackward) {
                churnNativeMemory();
            }
            gc.backward(loss);
        }
        List<Float> out = new ArrayList<>();
        try (NDManager s = policy.manager().newSubManager()) {
            for (NDArray p : params) {
                NDArray g = Grads.of(p, s);
                float[] v = g.toFloatArray();
                for (int i = 0; i < Math.min(64, v.length); i++) {
                    out.add(v[i]);
                }
            }
        }
        float[] flat = new float[out.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = out.get(i);
        }
        return flat;
    }

    /** Collects the heap (freeing the direct buffers of closed arrays) and refills freed native memory with junk. */
    private static void churnNativeMemory() {
        List<ByteBuffer> junk = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            System.gc();
            try {
                Thread.sleep(5);   // the cleaner frees direct buffers on its own thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int size : new int[] {4, 8, 64, 4096, 65536}) {
                ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
                while (b.remaining() >= 4) {
                    b.putFloat(Float.NaN);
                }
                junk.add(b);
            }
        }
    }
}
