package mpo4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fluent settings every trainer shares (hyper-parameters, listeners, output directory).
 *
 * @param <S> the concrete trainer, so that chains keep their type
 */
public abstract class TrainerBase<S extends TrainerBase<S>> {
    protected TrainConfig config = TrainConfig.defaults();
    protected final List<TrainListener> listeners = new ArrayList<>();
    protected Path outputDir;
    protected Boolean progressBar;

    @SuppressWarnings("unchecked")
    private S self() { return (S) this; }

    public S config(TrainConfig c) { config = c; return self(); }
    public S batchSize(int n) { config = config.withBatchSize(n); return self(); }
    public S gradAccum(int n) { config = config.withGradAccum(n); return self(); }
    public S lr(double lr) { config = config.withLr(lr); return self(); }
    public S constant() { config = config.withSchedule(config.schedule().withKind(Schedule.Kind.CONSTANT)); return self(); }
    public S linear() { config = config.withSchedule(config.schedule().withKind(Schedule.Kind.LINEAR)); return self(); }
    public S cosine() { config = config.withSchedule(config.schedule().withKind(Schedule.Kind.COSINE)); return self(); }
    public S warmupRatio(double r) { config = config.withSchedule(config.schedule().withWarmupRatio(r)); return self(); }
    public S warmupSteps(int n) { config = config.withSchedule(config.schedule().withWarmupSteps(n)); return self(); }
    public S weightDecay(double wd) { config = config.withWeightDecay(wd); return self(); }
    public S maxGradNorm(double n) { config = config.withMaxGradNorm(n); return self(); }
    public S betas(double b1, double b2) { config = config.withBetas(b1, b2); return self(); }
    public S epochs(int n) { config = config.withEpochs(n); return self(); }
    public S maxSteps(int n) { config = config.withMaxSteps(n); return self(); }
    public S seed(long seed) { config = config.withSeed(seed); return self(); }
    public S evalEvery(int n) { config = config.withEvalEvery(n); return self(); }
    /** Pairs per evaluation batch (default: the training batch size). */
    public S evalBatchSize(int n) { config = config.withEvalBatchSize(n); return self(); }
    /** Checkpoint every {@code n} steps into the output directory (needs {@link #output}). */
    public S saveEvery(int n) { config = config.withSaveEvery(n); return self(); }
    /** Where checkpoints go ({@code checkpoint-N/}). */
    public S output(Path dir) { outputDir = dir; return self(); }
    public S output(String dir) { return output(Path.of(dir)); }
    public S listener(TrainListener l) { listeners.add(l); return self(); }
    /** Force the terminal progress bar on or off (default: a live display in a notebook kernel, else on when a console is attached). */
    public S progressBar(boolean on) { progressBar = on; return self(); }

    public TrainConfig trainConfig() { return config; }

    protected List<TrainListener> allListeners() {
        List<TrainListener> all = new ArrayList<>(listeners);
        boolean ownLive = listeners.stream().anyMatch(l -> l instanceof mpo4j.notebook.LiveTraining);
        if (progressBar == null && mpo4j.notebook.Notebook.inKernel()) {
            // In a notebook one display updates in place (bar, metrics, live curves) instead of printed lines.
            if (!ownLive) {
                all.add(mpo4j.notebook.LiveTraining.show("training"));
            }
        } else if (progressBar != null ? progressBar : System.console() != null) {
            all.add(new ProgressBar(System.out));
        }
        if (config.saveEvery() > 0 && outputDir == null) {
            throw new IllegalArgumentException("saveEvery(" + config.saveEvery() + ") needs an output directory: call output(dir)");
        }
        return all;
    }
}
