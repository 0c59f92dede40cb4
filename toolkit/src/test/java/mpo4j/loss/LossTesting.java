package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import mpo4j.engine.Mpo4jEngine;

/** Float64 evaluation helpers shared by the loss tests. */
final class LossTesting {
    private LossTesting() {}

    static NDManager manager() {
        Mpo4jEngine.ensureOffline();
        return NDManager.newBaseManager();
    }

    static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static float[] f(double... v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    static int[] ones(int n) {
        int[] out = new int[n];
        Arrays.fill(out, 1);
        return out;
    }

    /** Evaluates in float64 (policy) with a float reference; values chosen exactly representable in float. */
    static LossResult eval(NDManager m, PreferenceLoss loss, double[] pc, double[] pr, double[] rc, double[] rr,
                           int[] lc, int[] lr, BcoDelta delta) {
        NDArray s = m.create(concat(pc, pr));
        SequenceLogps policy = SequenceLogps.of(s, s, concat(lc, lr));
        return loss.compute(policy, ReferenceLogps.sums(f(rc), f(rr)), delta);
    }
}
