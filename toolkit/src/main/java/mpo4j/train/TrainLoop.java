package mpo4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import mpo4j.engine.Scalar;
import mpo4j.engine.GradMode;
import mpo4j.engine.NativeHeap;

/**
 * The training loop shared by every trainer: data order, gradient accumulation, global-norm
 * clipping, AdamW, schedule, metrics, evaluation, listeners, checkpoints, cancellation.
 *
 * <p>Optimizer step {@code s} (0-based) is a pure function of the configuration: epoch
 * {@code s / stepsPerEpoch}, whose order is a permutation seeded by {@code (seed, epoch)}, and
 * micro-batches {@code [k·accum, (k+1)·accum)} of that epoch, {@code k = s % stepsPerEpoch}. So a
 * resumed run needs only the step, the weights, the optimizer moments and the objective state to
 * continue exactly where the interrupted one was.
 *
 * <p>Use it through a trainer ({@link CustomTrainer}, the preference trainer); it is single-use.
 */
public final class TrainLoop<B> {
    /** Keys whose values depend on wall time (excluded when comparing runs). */
    static final List<String> TIMING_KEYS = List.of("tokens_per_s", "step_time_ms");
    /** Metric: steps whose update was dropped because of a non-finite gradient norm, so far. */
    public static final String SKIPPED_STEPS = "skipped_steps";

    private final Trainable model;
    private final Objective<B> objective;
    private final Batches<B> train;
    private final Batches<B> eval;
    private final TrainConfig config;
    private final List<TrainListener> listeners;
    private final Path runDir;
    private final MetricsLog log = new MetricsLog();
    private final Map<String, NDArray> params;
    private final int totalSteps;
    private final int stepsPerEpoch;
    private boolean evaluateAtEnd;
    private int step;
    private long startNanos;
    private int stepsThisFit;
    private int skippedSteps;
    private boolean evaluateFirst;
    private final Map<String, String> fingerprint = new LinkedHashMap<>();

    public TrainLoop(Trainable model, Objective<B> objective, Batches<B> train, Batches<B> eval,
              TrainConfig config, List<TrainListener> listeners, Path runDir) {
        if (train == null || train.size() == 0) {
            throw new IllegalArgumentException("no training data: call data(...) with at least one example");
        }
        this.model = model;
        this.objective = objective;
        this.train = train;
        this.eval = eval;
        this.config = config;
        this.listeners = List.copyOf(listeners);
        this.runDir = runDir;
        this.params = new LinkedHashMap<>(model.trainableParameters());
        if (params.isEmpty()) {
            throw new IllegalArgumentException("the model has no trainable parameters");
        }
        this.totalSteps = config.totalSteps(train.size());
        this.stepsPerEpoch = config.stepsPerEpoch(train.size());
    }

    /**
     * Evaluates the final model even when {@code evalEvery} is 0 (by default the final model gets an
     * evaluation only when periodic evaluation is on and its last step was not one).
     */
    public TrainLoop<B> evaluateAtEnd(boolean on) {
        evaluateAtEnd = on;
        return this;
    }

    /**
     * What else decides the trained weights besides {@link TrainConfig}, field by field (e.g.
     * {@code loss.beta}, {@code data.train_order}, {@code model.parameters}): stored in every checkpoint
     * and compared on {@link #resume}, which names the first field that differs.
     */
    public TrainLoop<B> fingerprint(Map<String, String> fields) {
        fingerprint.putAll(fields);
        return this;
    }

    /** Trains from the model's current weights (on any thread: autograd is set up here, see {@link GradMode}). */
    public TrainRun fit() {
        return GradMode.off(() -> {
            try (AdamW optimizer = newOptimizer()) {
                return loop(optimizer);
            }
        });
    }

    /**
     * Continues from the latest checkpoint under {@code dir}. The checkpoint must have been trained with
     * the same settings, loss, data and model ({@link #fingerprint}); only the length may change, so a
     * finished run can be extended with more {@code epochs} or a larger {@code maxSteps} (as TRL's
     * {@code resume_from_checkpoint}; the schedule is then computed for the new length).
     */
    public TrainRun resume(Path dir) {
        return GradMode.off(() -> {
            try (AdamW optimizer = newOptimizer()) {
                Path checkpoint = Checkpoint.latest(dir);
                Checkpoint.State state = Checkpoint.readState(checkpoint);
                String mismatch = Fingerprints.firstDifference(Fingerprints.of(state.config(), state.fingerprint()),
                        Fingerprints.of(config, fingerprint), !state.fingerprint().isEmpty());
                if (mismatch != null) {
                    throw new IllegalArgumentException("cannot resume " + checkpoint + ": " + mismatch);
                }
                model.loadInPlace(checkpoint.resolve("model"));
                FiniteWeights.warnIfNonFinite(model.trainableParameters(), checkpoint.resolve("model"));
                optimizer.load(checkpoint.resolve("optimizer.safetensors"), state.adamStep());
                objective.restore(state.objectiveState());
                log.addAll(MetricsLog.readJsonl(checkpoint.resolve("metrics.jsonl")));
                skippedSteps = (int) log.rows().stream().mapToDouble(r -> r.getOrDefault(SKIPPED_STEPS, 0.0)).max().orElse(0);
                step = state.globalStep();
                // an interrupt that came during the evaluation of this step left no eval row: evaluate first
                int at = step;
                evaluateFirst = eval != null && config.evalEvery() > 0 && step > 0 && step % config.evalEvery() == 0
                        && log.rows().stream().noneMatch(r -> r.containsKey("eval/loss") && r.get("step") == at);
                return loop(optimizer);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private AdamW newOptimizer() {
        return new AdamW(config.beta1(), config.beta2(), config.eps(), config.weightDecay());
    }

    private TrainRun loop(AdamW optimizer) {
        NativeHeap.startRun();     // else freed activations may stay resident from step to step (see NativeHeap)
        startNanos = System.nanoTime();
        boolean interrupted = false;
        try (NDManager root = NDManager.newBaseManager()) {
            if (evaluateFirst) {
                evaluate(root, true);
            }
            while (step < totalSteps) {
                if (Thread.interrupted()) {
                    interrupted = true;
                    break;
                }
                Map<String, Double> row = trainStep(root, optimizer);
                if (row == null) {
                    interrupted = true;
                    break;
                }
                NativeHeap.afterStep();
                step++;
                stepsThisFit++;
                log.add(row);
                TrainListener.Progress p = progress(row);
                listeners.forEach(l -> l.onStep(p));
                if (eval != null && config.evalEvery() > 0 && step % config.evalEvery() == 0) {
                    evaluate(root, true);
                }
                if (runDir != null && config.saveEvery() > 0 && step % config.saveEvery() == 0) {
                    checkpoint(optimizer);
                }
            }
            boolean evaluatedLast = config.evalEvery() > 0 && step % config.evalEvery() == 0;
            if (!interrupted && eval != null && (config.evalEvery() > 0 || evaluateAtEnd) && !evaluatedLast && stepsThisFit > 0) {
                evaluate(root, true);      // the final model always gets an evaluation row
            }
            if (interrupted && runDir != null && config.saveEvery() > 0 && step > 0) {
                checkpoint(optimizer);
            }
        } catch (RuntimeException e) {
            throw failed(e, optimizer);
        } finally {
            NativeHeap.endRun();   // the run's freed activations leave malloc's heaps (see NativeHeap)
        }
        writeMetrics();
        TrainRun run = finish(interrupted);
        listeners.forEach(l -> l.onEnd(run));
        return run;
    }

    /**
     * Keeps what the run achieved before {@code cause}: the metrics so far, a final checkpoint of the
     * last complete step (when there is an output folder), and the partial run inside the exception.
     */
    private TrainingFailedException failed(Throwable cause, AdamW optimizer) {
        String where = "training failed at step " + (step + 1) + " of " + totalSteps + ": " + cause.getMessage();
        if (runDir != null && step > 0) {
            try {
                checkpoint(optimizer);
                where += " (the run up to step " + step + " is saved in " + runDir.resolve("checkpoint-" + step) + ")";
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        try {
            writeMetrics();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        TrainRun partial = finish(false);
        try {
            listeners.forEach(l -> l.onEnd(partial));      // a display shows the run as ended, not as still running
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        return new TrainingFailedException(where, cause, partial, step + 1);
    }

    private void writeMetrics() {
        if (runDir != null) {
            try {
                log.writeJsonl(runDir.resolve("metrics.jsonl"));
                log.writeCsv(runDir.resolve("metrics.csv"));
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the metrics under " + runDir, e);
            }
        }
    }

    private TrainRun finish(boolean interrupted) {
        long wallMs = (System.nanoTime() - startNanos) / 1_000_000;
        return new TrainRun(model, log, interrupted, step, totalSteps, runDir, objective.initialLosses(), wallMs);
    }

    /** One optimizer step; {@code null} if interrupted between micro-batches (the step is dropped). */
    private Map<String, Double> trainStep(NDManager root, AdamW optimizer) {
        long t0 = System.nanoTime();
        double gradNorm;
        int epoch = step / stepsPerEpoch;
        int[] order = permutation(train.size(), config.seed(), epoch);
        int microPerEpoch = config.microBatchesPerEpoch(train.size());
        int first = (step % stepsPerEpoch) * config.gradAccum();
        int last = Math.min(microPerEpoch, first + config.gradAccum());
        int micro = last - first;
        double lr = config.lr() * config.schedule().factor(step, totalSteps);

        Grads.zero(params.values());
        MetricReducer metrics = new MetricReducer();
        long tokens = 0;
        // the step's metric values and gradient-norm pieces stay on the device until one transfer after the last backward
        try (NDManager stepScope = root.newSubManager()) {
            for (int j = first; j < last; j++) {
                if (j > first && Thread.currentThread().isInterrupted()) {
                    Thread.interrupted();
                    return null;
                }
                int[] idx = slice(order, j);
                try (NDManager scope = root.newSubManager()) {
                    B batch = train.batch(idx);
                    if (batch == null) {
                        continue;          // every example of this micro-batch was dropped (a skip policy; counted by the batches)
                    }
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        StepOutput out = objective.compute(batch, scope, true);
                        String where = " at step " + (step + 1) + " (epoch " + epoch + ", micro-batch " + j + ", examples "
                                + java.util.Arrays.toString(idx) + ")";
                        gc.backward(micro == 1 ? out.loss() : Scalar.div(out.loss(), micro));
                        accumulate(metrics, new DeviceMetric(out.loss(), v -> finiteLoss(v[0], where)), out, stepScope);
                        tokens += out.tokens();
                    }
                }
            }
            double[] norm = {0};
            // one norm per parameter, stacked into one queued array; the host adds their squares in double
            NDArray norms = Grads.parameterNorms(params.values(), stepScope);
            if (norms != null) {
                metrics.await(norms, stepScope, v -> norm[0] = Grads.globalNorm(v));
            }
            metrics.transfer();      // the one device-to-host copy of the step; throws on a non-finite loss
            gradNorm = norm[0];
            boolean skip = !Double.isFinite(gradNorm);
            if (skip && !config.skipNonFiniteGrads()) {
                throw new IllegalStateException("the gradient norm is " + gradNorm + " at step " + (step + 1) + " (epoch " + epoch
                        + ", learning rate " + lr + "): training diverged or an example produces an invalid gradient; the update was"
                        + " not applied. Lower lr, or call skipNonFiniteGrads(true) to drop such steps");
            }
            if (skip) {
                skippedSteps++;
                Grads.zero(params.values());
            } else {
                // clipping happens inside the fused update (its gradient scale), not as a native op per gradient
                optimizer.update(params, lr, Grads.clipCoefficient(gradNorm, config.maxGradNorm()));
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6;

        Map<String, Double> row = new LinkedHashMap<>();
        row.put("step", (double) (step + 1));
        row.put("epoch", epoch + (double) (step % stepsPerEpoch + 1) / stepsPerEpoch);
        row.putAll(metrics.means());
        row.put("learning_rate", lr);
        row.put("grad_norm", gradNorm);
        if (config.skipNonFiniteGrads()) {
            row.put(SKIPPED_STEPS, (double) skippedSteps);
        }
        train.skipped().forEach((k, v) -> row.put(k, v));
        row.put("tokens_per_s", tokens / (ms / 1000.0));
        row.put("step_time_ms", ms);
        return row;
    }

    /**
     * Adds one batch: its loss leads the row, then the objective's other metrics, each with its weight. The
     * loss value is received last, so that an objective's own checks of its values (which name the bad
     * input) speak before the loop's generic non-finite loss check.
     */
    private static void accumulate(MetricReducer metrics, DeviceMetric loss, StepOutput out, NDManager keep) {
        metrics.add("loss", Double.NaN, 0);     // takes the first place in the row; no weight, so no value
        out.metrics().forEach((k, v) -> {
            if (!k.equals("loss")) {
                metrics.add(k, v, out.weight(k));
            }
        });
        out.deviceMetrics().forEach((k, m) -> {
            if (!k.equals("loss")) {
                metrics.add(k, m, out.weight(k), keep);
            }
        });
        metrics.add("loss", loss, out.weight("loss"), keep);
    }

    private static double finiteLoss(double value, String where) {
        if (!Double.isFinite(value)) {
            throw new IllegalStateException("loss is " + value + where);
        }
        return value;
    }

    /**
     * Evaluation over all held-out examples in order, without gradients; each metric is the exact
     * weighted mean over the examples ({@link MetricReducer}). With {@code record} the row is logged
     * and listeners are told.
     */
    public Map<String, Double> evaluate(NDManager root, boolean record) {
        return GradMode.off(() -> evaluateWithoutGrad(root, record));
    }

    private Map<String, Double> evaluateWithoutGrad(NDManager root, boolean record) {
        try (NDManager evalScope = root.newSubManager()) {
            return evaluateWithoutGrad(root, evalScope, record);
        }
    }

    private Map<String, Double> evaluateWithoutGrad(NDManager root, NDManager evalScope, boolean record) {
        MetricReducer metrics = new MetricReducer();
        Map<String, List<float[]>> examples = new LinkedHashMap<>();
        int n = eval.size();
        int size = config.evalBatchSizeOrTrain();
        for (int from = 0; from < n; from += size) {
            int[] idx = new int[Math.min(size, n - from)];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            try (NDManager scope = root.newSubManager()) {
                B batch = eval.batch(idx);
                if (batch == null) {
                    continue;          // every example of this batch was dropped under a skip policy
                }
                StepOutput out = objective.compute(batch, scope, false);
                accumulate(metrics, DeviceMetric.scalar(out.loss()), out, evalScope);
                out.examples().forEach((k, v) -> examples.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            }
        }
        metrics.transfer();            // one device-to-host copy for the whole evaluation
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("step", (double) step);
        row.put("epoch", (double) step / stepsPerEpoch);
        metrics.means().forEach((k, v) -> row.put("eval/" + k, v));
        if (record) {
            examples.forEach((k, parts) -> log.addEvalValues(step, k, concat(parts)));
            log.add(row);
            TrainListener.Progress p = progress(row);
            listeners.forEach(l -> l.onEval(p));
        }
        return row;
    }

    private static float[] concat(List<float[]> parts) {
        float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private void checkpoint(AdamW optimizer) {
        try {
            Checkpoint.write(runDir, new Checkpoint.State(step, optimizer.step(), totalSteps, config, objective.state(),
                            Fingerprints.of(config, fingerprint)),
                    model, optimizer, log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write checkpoint " + step + " under " + runDir, e);
        }
    }

    private TrainListener.Progress progress(Map<String, Double> row) {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        return new TrainListener.Progress(step, totalSteps, row.get("epoch"), row, ms, stepsThisFit);
    }

    private int[] slice(int[] order, int microBatch) {
        int from = microBatch * config.batchSize();
        int to = Math.min(order.length, from + config.batchSize());
        return java.util.Arrays.copyOfRange(order, from, to);
    }

    /** The example order of one epoch: a Fisher–Yates shuffle seeded by (seed, epoch), recomputable on resume. */
    public static int[] permutation(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random rng = new Random(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** A copy of the rows without wall-time metrics, for comparing runs. */
    public static List<Map<String, Double>> withoutTiming(List<Map<String, Double>> rows) {
        List<Map<String, Double>> out = new ArrayList<>();
        for (Map<String, Double> r : rows) {
            Map<String, Double> c = new LinkedHashMap<>(r);
            TIMING_KEYS.forEach(c::remove);
            out.add(c);
        }
        return out;
    }
}
