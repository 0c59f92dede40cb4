package mpo4j.train;

/**
 * A run stopped by an error (a bad example under {@code OnError.FAIL}, a non-finite loss or gradient
 * norm, a failing objective): nothing done before it is lost. {@link #run()} is the run up to the last
 * complete optimizer step (metrics so far; the model holds the weights after that step) and, when the
 * trainer had an output folder, {@link TrainRun#runDir()} holds a final {@code checkpoint-N} of it to
 * inspect or {@code resume} from after fixing the cause. {@link #getCause()} is the original error.
 */
public final class TrainingFailedException extends RuntimeException {
    private final transient TrainRun run;
    private final int failedStep;

    TrainingFailedException(String message, Throwable cause, TrainRun run, int failedStep) {
        super(message, cause);
        this.run = run;
        this.failedStep = failedStep;
    }

    /** The partial run: metrics of the complete steps, the model after the last of them. */
    public TrainRun run() { return run; }

    /** The 1-based optimizer step that failed (the run completed the steps before it). */
    public int failedStep() { return failedStep; }
}
