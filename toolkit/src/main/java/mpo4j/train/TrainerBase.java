package mpo4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The fluent settings every trainer shares (hyper-parameters, listeners, output directory).
 *
 * <p>Trainers are immutable values, like every configuration object of the toolkit: each setting
 * returns a new trainer and leaves the receiver as it was, so {@code var base = trainer(model).lr(1e-4)}
 * can be branched into several runs. A subclass provides a copy constructor through {@link #copy()};
 * its own settings change a copy through {@link #change}, the one mechanism used everywhere.
 *
 * @param <S> the concrete trainer, so that chains keep their type
 */
public abstract class TrainerBase<S extends TrainerBase<S>> {
    private TrainConfig config = TrainConfig.defaults();
    private List<TrainListener> listeners = List.of();
    private Path outputDir;
    private Boolean progressBar;

    protected TrainerBase() {}

    /** Copies the shared settings of {@code other}. */
    protected TrainerBase(TrainerBase<S> other) {
        this.config = other.config;
        this.listeners = other.listeners;
        this.outputDir = other.outputDir;
        this.progressBar = other.progressBar;
    }

    /** A field-by-field copy of this trainer (its copy constructor). */
    protected abstract S copy();

    /** A copy of this trainer with {@code edit} applied to it before anyone else sees it. */
    protected final S change(Consumer<S> edit) {
        S next = copy();
        edit.accept(next);
        return next;
    }

    private S withConfig(TrainConfig c) { return change(t -> ((TrainerBase<S>) t).config = c); }

    public S config(TrainConfig c) { return withConfig(c); }
    public S batchSize(int n) { return withConfig(config.withBatchSize(n)); }
    public S gradAccum(int n) { return withConfig(config.withGradAccum(n)); }
    public S lr(double lr) { return withConfig(config.withLr(lr)); }
    public S constant() { return withConfig(config.withSchedule(config.schedule().withKind(Schedule.Kind.CONSTANT))); }
    public S linear() { return withConfig(config.withSchedule(config.schedule().withKind(Schedule.Kind.LINEAR))); }
    public S cosine() { return withConfig(config.withSchedule(config.schedule().withKind(Schedule.Kind.COSINE))); }
    public S warmupRatio(double r) { return withConfig(config.withSchedule(config.schedule().withWarmupRatio(r))); }
    public S warmupSteps(int n) { return withConfig(config.withSchedule(config.schedule().withWarmupSteps(n))); }
    public S weightDecay(double wd) { return withConfig(config.withWeightDecay(wd)); }
    public S maxGradNorm(double n) { return withConfig(config.withMaxGradNorm(n)); }
    public S betas(double b1, double b2) { return withConfig(config.withBetas(b1, b2)); }
    public S epochs(int n) { return withConfig(config.withEpochs(n)); }
    public S maxSteps(int n) { return withConfig(config.withMaxSteps(n)); }
    public S seed(long seed) { return withConfig(config.withSeed(seed)); }
    public S evalEvery(int n) { return withConfig(config.withEvalEvery(n)); }
    /** Pairs per evaluation batch (default: the training batch size). */
    public S evalBatchSize(int n) { return withConfig(config.withEvalBatchSize(n)); }
    /** Checkpoint every {@code n} steps into the output directory (needs {@link #output}). */
    public S saveEvery(int n) { return withConfig(config.withSaveEvery(n)); }
    /** Keep only the newest {@code n} checkpoints (HF's {@code save_total_limit}; 0, the default, keeps all). */
    public S saveTotalLimit(int n) { return withConfig(config.withSaveTotalLimit(n)); }
    /**
     * What a NaN or infinite gradient norm does: {@code false} (default) stops the run with an error
     * naming the step ({@link TrainingFailedException}, the run so far kept); {@code true} drops that
     * step's update, counts it in the {@code skipped_steps} metric and goes on.
     */
    public S skipNonFiniteGrads(boolean skip) { return withConfig(config.withSkipNonFiniteGrads(skip)); }
    /** Where checkpoints go ({@code checkpoint-N/}). */
    public S output(Path dir) { return change(t -> ((TrainerBase<S>) t).outputDir = dir); }
    public S output(String dir) { return output(Path.of(dir)); }
    /** Adds a listener to the ones already set. */
    public S listener(TrainListener l) {
        List<TrainListener> more = new ArrayList<>(listeners);
        more.add(l);
        List<TrainListener> all = List.copyOf(more);
        return change(t -> ((TrainerBase<S>) t).listeners = all);
    }
    /** Force the terminal progress bar on or off (default: a live display in a notebook kernel, else on when a console is attached). */
    public S progressBar(boolean on) { return change(t -> ((TrainerBase<S>) t).progressBar = on); }

    public TrainConfig trainConfig() { return config; }

    /** The output directory, or null. */
    public Path outputDir() { return outputDir; }

    /** The listeners given, plus the default display: a front end's live view (a notebook) or a progress bar. */
    protected List<TrainListener> allListeners() {
        List<TrainListener> all = new ArrayList<>(listeners);
        boolean ownDisplay = listeners.stream().anyMatch(TrainListener::isDisplay);
        java.util.Optional<TrainListener> frontEnd = progressBar == null && !ownDisplay
                ? TrainDisplay.active("training") : java.util.Optional.empty();
        if (frontEnd.isPresent()) {
            all.add(frontEnd.get());      // in a notebook one display updates in place instead of printed lines
        } else if (progressBar != null ? progressBar : ProgressBar.interactive() && !ownDisplay) {
            all.add(new ProgressBar(System.out));
        }
        if (config.saveEvery() > 0 && outputDir == null) {
            throw new IllegalArgumentException("saveEvery(" + config.saveEvery() + ") needs an output directory: call output(dir)");
        }
        return all;
    }
}
