package mpo4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;

/**
 * Not a unit test: times what the training loop does between the last backward pass and the end of an
 * optimizer step (gradient norm pieces, the one host copy, clipping, AdamW) on the benchmark model's
 * parameters with fixed fake gradients, for the pre-issue-16 code path (replayed here op for op as the
 * baseline) and the current one, paired and interleaved; then counts the native (aten) ops of each with
 * PyTorch's profiler. Run single-threaded:
 * {@code OMP_NUM_THREADS=1 java -Dai.djl.pytorch.num_threads=1 -cp toolkit/target/test-classes:toolkit/target/classes:$(cat toolkit/target/classpath.txt) mpo4j.train.OptimizerStepTiming [pairs]}
 * ({@code -DmaxNorm=-1} times the step without clipping; {@code -DkeepTrace=1} keeps the chrome traces).
 * The class path file comes from {@code mvn -o -q -pl toolkit dependency:build-classpath
 * -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test}.
 */
public final class OptimizerStepTiming {
    private static final double LR = 1e-4;
    private static final double MAX_NORM = Double.parseDouble(System.getProperty("maxNorm", "1.0"));

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Mpo4jEngine.ensureOffline();
        try (TinyVlm a = TinyVlm.builder(TinyVlmConfig.tinyVlm()).seed(42).build();
             TinyVlm b = TinyVlm.builder(TinyVlmConfig.tinyVlm()).seed(42).build();
             NDManager root = NDManager.newBaseManager();
             Legacy legacy = new Legacy(0.9, 0.999, 1e-8, 0.0);
             AdamW current = new AdamW(0.9, 0.999, 1e-8, 0.0)) {
            Map<String, NDArray> pa = new ModelTrainable(a).trainableParameters();
            Map<String, NDArray> pb = new ModelTrainable(b).trainableParameters();
            long elements = pa.values().stream().mapToLong(NDArray::size).sum();
            fakeGradients(pa, root);
            fakeGradients(pb, root);
            System.out.printf("%d parameters, %d elements, threads %s%n", pa.size(), elements,
                    System.getProperty("ai.djl.pytorch.num_threads"));
            Runnable oldStep = () -> legacy.step(pa, root);
            Runnable newStep = () -> currentStep(current, pb, root);
            for (int i = 0; i < 20; i++) {
                oldStep.run();
                newStep.run();
            }
            double[] tOld = new double[pairs];
            double[] tNew = new double[pairs];
            double[] ratio = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                if (i % 2 == 0) {
                    tOld[i] = time(oldStep);
                    tNew[i] = time(newStep);
                } else {
                    tNew[i] = time(newStep);
                    tOld[i] = time(oldStep);
                }
                ratio[i] = tOld[i] / tNew[i];
            }
            System.out.printf("optimizer step, median of %d interleaved pairs: before %.3f ms, after %.3f ms, per-pair ratio %.2fx%n",
                    pairs, median(tOld), median(tNew), median(ratio));
            int steps = 5;
            System.out.printf("native ops per step (profiler 'X' events, mean of %d steps): before %.1f, after %.1f%n", steps,
                    profile(oldStep, steps), profile(newStep, steps));
        }
    }

    /** The current path, as TrainLoop runs it after the last backward pass. */
    private static void currentStep(AdamW optimizer, Map<String, NDArray> params, NDManager root) {
        try (NDManager stepScope = root.newSubManager()) {
            MetricReducer metrics = new MetricReducer();
            double[] norm = {0};
            NDArray norms = Grads.parameterNorms(params.values(), stepScope);
            metrics.await(norms, stepScope, v -> norm[0] = Grads.globalNorm(v));
            metrics.transfer();
            optimizer.update(params, LR, Grads.clipCoefficient(norm[0], MAX_NORM));
        }
    }

    /** Gradient = a fixed normal draw per parameter (loss Σ r·p), kept for every step: nothing zeroes it. */
    private static void fakeGradients(Map<String, NDArray> params, NDManager root) {
        Engine.getInstance().setRandomSeed(7);
        try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (NDArray p : params.values()) {
                NDArray r = scope.randomNormal(p.getShape()).mul(0.01);
                NDArray term = p.mul(r).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    private static double time(Runnable step) {
        long t0 = System.nanoTime();
        step.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double profile(Runnable step, int steps) throws Exception {
        Path trace = Files.createTempFile("optimizer-profile", ".json");
        JniUtils.startProfile(false, false, false);
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        JniUtils.stopProfile(trace.toString());
        String json = Files.readString(trace);
        Matcher m = Pattern.compile("\"ph\"\\s*:\\s*\"X\"").matcher(json);
        int events = 0;
        while (m.find()) {
            events++;
        }
        if (System.getProperty("keepTrace") != null) {
            System.out.println("trace kept: " + trace);
        } else {
            Files.delete(trace);
        }
        return events / (double) steps;
    }

    /**
     * The optimizer step before issue 16's fused update, replayed op for op: TrainLoop's per-parameter
     * square+sum norm pieces, clipping by a muli per gradient, and AdamW's ~12 ops per parameter.
     */
    private static final class Legacy implements AutoCloseable {
        private final double beta1;
        private final double beta2;
        private final double eps;
        private final double weightDecay;
        private final NDManager manager = NDManager.newBaseManager();
        private final Map<String, NDArray> m = new LinkedHashMap<>();
        private final Map<String, NDArray> v = new LinkedHashMap<>();
        private long step;

        Legacy(double beta1, double beta2, double eps, double weightDecay) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
        }

        void step(Map<String, NDArray> params, NDManager root) {
            try (NDManager stepScope = root.newSubManager()) {
                MetricReducer metrics = new MetricReducer();
                double[] sumOfSquares = {0};
                List<NDArray> grads = new ArrayList<>();
                NDList squares = new NDList();
                for (NDArray p : params.values()) {
                    NDArray g = Grads.of(p, stepScope);
                    if (g != null) {
                        grads.add(g);
                        squares.add(g.square().sum());
                    }
                }
                metrics.await(NDArrays.stack(squares), stepScope, vals -> {
                    for (double x : vals) {
                        sumOfSquares[0] += x;
                    }
                });
                metrics.transfer();
                double norm = Math.sqrt(sumOfSquares[0]);
                double coef = MAX_NORM / (norm + 1e-6);
                if (MAX_NORM > 0 && coef < 1.0) {
                    NDArray scale = stepScope.create(coef);
                    for (NDArray g : grads) {
                        g.muli(scale);
                    }
                }
                update(params, LR);
            }
        }

        private void update(Map<String, NDArray> params, double lr) {
            step++;
            double bc1 = 1 - Math.pow(beta1, step);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
            try (NDManager stepScope = manager.newSubManager()) {
                NDArray b1 = stepScope.create(beta1);
                NDArray oneMinusB1 = stepScope.create(1 - beta1);
                NDArray b2 = stepScope.create(beta2);
                NDArray oneMinusB2 = stepScope.create(1 - beta2);
                NDArray bc2 = stepScope.create(bc2Sqrt);
                NDArray epsilon = stepScope.create(eps);
                NDArray decay = stepScope.create(1 - lr * weightDecay);
                NDArray stepSize = stepScope.create(lr / bc1);
                for (Map.Entry<String, NDArray> e : params.entrySet()) {
                    NDArray p = e.getValue();
                    try (NDManager scope = stepScope.newSubManager()) {
                        NDArray g = Grads.of(p, scope);
                        if (g == null) {
                            continue;
                        }
                        NDArray mt = m.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
                        NDArray vt = v.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
                        scope.tempAttachAll(mt, vt, p);
                        mt.muli(b1).addi(g.mul(oneMinusB1));
                        vt.muli(b2).addi(g.square().muli(oneMinusB2));
                        NDArray denom = vt.sqrt().divi(bc2).addi(epsilon);
                        if (weightDecay != 0) {
                            p.muli(decay);
                        }
                        p.subi(mt.div(denom).muli(stepSize));
                    }
                }
            }
        }

        @Override
        public void close() { manager.close(); }
    }
}
