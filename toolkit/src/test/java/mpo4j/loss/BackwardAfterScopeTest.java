package mpo4j.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.engine.Scalar;
import org.junit.jupiter.api.Test;

/**
 * Autograd keeps inputs for the backward pass; none of them may live in Java memory that the garbage
 * collector can free and reuse before backward reads it (see {@link Scalar}). Gradients computed with
 * GC and memory churn between forward and backward must equal gradients without.
 */
class BackwardAfterScopeTest {
    private static final int ROWS = 4;
    private static final int LEN = 6;
    private static final int VOCAB = 50;

    @Test
    void scalarArithmeticSurvivesMemoryReuseBeforeBackward() {
        check(0);
    }

    @Test
    void mpoLossGradientsSurviveMemoryReuseBeforeBackward() {
        check(1);
    }

    private static void check(int objective) {
        Mpo4jEngine.ensureOffline();
        float[] quiet = gradient(objective, false);
        for (int attempt = 0; attempt < 3; attempt++) {
            assertArrayEquals(quiet, gradient(objective, true), 0f, "attempt " + attempt);
        }
    }

    private static float[] gradient(int objective, boolean churn) {
        Random random = new Random(7);
        float[] values = new float[ROWS * LEN * VOCAB];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        long[] labels = new long[ROWS * LEN];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % LEN < 2 ? -100 : random.nextInt(VOCAB);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray leaf = manager.create(values, new Shape(ROWS, LEN, VOCAB));
            leaf.setRequiresGradient(true);
            try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = leaf.exp();
                logits.attach(step);
                NDArray loss;
                if (objective == 0) {
                    loss = Scalar.pow(Scalar.div(Scalar.mul(logits, 2), 3).exp().add(1), 0.5).sum();
                } else {
                    SequenceLogps policy = SequenceLogps.fromLogits(logits, labels, false);
                    loss = PreferenceLoss.mpo().compute(policy, ReferenceLogps.sums(new float[] {-3f, -4f}, new float[] {-5f, -2f}), new BcoDelta()).loss();
                }
                if (churn) {
                    churnMemory();
                }
                gc.backward(loss);
            }
            return leaf.getGradient().toFloatArray();
        }
    }

    /** Lets the collector free unreachable direct buffers, then fills fresh ones with garbage. */
    private static void churnMemory() {
        List<ByteBuffer> garbage = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 64; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(ROWS * LEN * 8 + 64 * i);
                while (b.remaining() >= 8) {
                    b.putLong(0x7fff_1234_5678_9abcL);
                }
                garbage.add(b);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
