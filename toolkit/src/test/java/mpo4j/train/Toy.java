package mpo4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import mpo4j.engine.Mpo4jEngine;

/** A logistic-regression toy that proves the training mechanics without the VLM. */
final class Toy {
    static {
        Mpo4jEngine.ensureOffline();
    }

    static final int DIM = 3;

    private Toy() {}

    /** {@code y = 1} iff {@code 2x0 − x1 + 0.5x2 + noise > 0}. */
    record Data(float[][] x, float[] y) implements Batches<Data> {
        static Data synthetic(int n, long seed) {
            Random r = new Random(seed);
            float[][] x = new float[n][DIM];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < DIM; d++) {
                    x[i][d] = (float) r.nextGaussian();
                }
                y[i] = 2 * x[i][0] - x[i][1] + 0.5 * x[i][2] + 0.3 * r.nextGaussian() > 0 ? 1f : 0f;
            }
            return new Data(x, y);
        }

        @Override public int size() { return y.length; }

        @Override public Data batch(int[] idx) {
            float[][] bx = new float[idx.length][];
            float[] by = new float[idx.length];
            for (int i = 0; i < idx.length; i++) {
                bx[i] = x[idx[i]];
                by[i] = y[idx[i]];
            }
            return new Data(bx, by);
        }

        float[] flat() {
            float[] f = new float[x.length * DIM];
            for (int i = 0; i < x.length; i++) {
                System.arraycopy(x[i], 0, f, i * DIM, DIM);
            }
            return f;
        }
    }

    /** Weights {@code w [DIM,1]} and bias {@code b [1]}, seeded. */
    static final class Model implements Trainable, AutoCloseable {
        final NDManager manager = NDManager.newBaseManager();
        final NDArray w;
        final NDArray b;

        Model(long seed) {
            Random r = new Random(seed);
            float[] init = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                init[d] = (float) (0.1 * r.nextGaussian());
            }
            w = manager.create(init, new Shape(DIM, 1));
            b = manager.create(new float[] {0f});
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
        }

        @Override public Map<String, NDArray> trainableParameters() {
            Map<String, NDArray> m = new LinkedHashMap<>();
            m.put("w", w);
            m.put("b", b);
            return m;
        }

        float[] weights() {
            float[] a = w.toFloatArray();
            float[] out = new float[DIM + 1];
            System.arraycopy(a, 0, out, 0, DIM);
            out[DIM] = b.getFloat();
            return out;
        }

        @Override public void close() { manager.close(); }
    }

    /**
     * Binary cross-entropy with accuracy, plus a running mean of the mean logit ("delta"), updated
     * only in training: a stand-in for BCO's δ to prove objective state survives a resume.
     */
    static final class Objective implements mpo4j.train.Objective<Data> {
        final Model model;
        double deltaSum;
        double deltaCount;

        Objective(Model model) { this.model = model; }

        @Override public StepOutput compute(Data batch, NDManager scope, boolean training) {
            int n = batch.size();
            NDArray x = scope.create(batch.flat(), new Shape(n, DIM));
            NDArray y = scope.create(batch.y(), new Shape(n, 1));
            NDArray z = x.matMul(model.w).add(model.b);
            NDArray loss = z.exp().add(1).log().sub(y.mul(z)).mean();
            float[] zs = z.toFloatArray();
            int correct = 0;
            double zMean = 0;
            for (int i = 0; i < n; i++) {
                correct += (zs[i] > 0) == (batch.y()[i] > 0.5f) ? 1 : 0;
                zMean += zs[i] / n;
            }
            if (training) {
                deltaSum += zMean;
                deltaCount++;
            }
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("accuracy", (double) correct / n);
            m.put("delta", deltaCount == 0 ? 0 : deltaSum / deltaCount);
            return new StepOutput(loss, m, n);
        }

        @Override public Map<String, Double> state() { return Map.of("deltaSum", deltaSum, "deltaCount", deltaCount); }

        @Override public void restore(Map<String, Double> s) {
            deltaSum = s.get("deltaSum");
            deltaCount = s.get("deltaCount");
        }

        @Override public Map<String, Double> initialLosses() { return Map.of("loss", Math.log(2)); }
    }

    /** A ready trainer on 40 training / 16 eval examples: 10 steps per epoch at batch 4. */
    static CustomTrainer<Data> trainer(Model model) {
        return CustomTrainer.of(model, new Objective(model), Data.synthetic(40, 1))
                .eval(Data.synthetic(16, 2)).batchSize(4).lr(0.05).constant().epochs(2).seed(42).progressBar(false);
    }
}
