package mpo4j.train;

import java.util.Map;

/**
 * Callbacks from the training loop, on the training thread. A notebook display or a progress bar
 * implements the ones it needs.
 */
public interface TrainListener {

    /** After every optimizer step, with that step's logged row. */
    default void onStep(Progress progress) {}

    /** After every evaluation, with the {@code eval/}-prefixed row. */
    default void onEval(Progress progress) {}

    /** Once at the end (also after an interrupt). */
    default void onEnd(TrainRun run) {}

    /** True for a listener that shows the run (a live view or a bar), so the trainer adds no default display. */
    default boolean isDisplay() { return false; }

    /**
     * Where the loop is.
     *
     * @param step       optimizer steps completed (1-based after the first step)
     * @param totalSteps steps of the whole run
     * @param elapsedMs  wall time since this (possibly resumed) fit started
     * @param stepsThisFit steps done since this fit started (for speed and ETA)
     */
    record Progress(int step, int totalSteps, double epoch, Map<String, Double> metrics, long elapsedMs, int stepsThisFit) {}
}
