package mpo4j.rl;

import mpo4j.train.TrainListener;
import tech.tablesaw.api.Table;

/**
 * A training listener that also sees the completions an online trainer samples (GRPO, RLOO, Online
 * DPO): TRL's completions table, handed over as each generation round is scored. Give it to the trainer
 * like any listener ({@code listener(l)}); the notebook's live view implements it to show the latest
 * completions under its curves. Other trainers never call it.
 *
 * <p>Called on the training thread, once per generation round and before that optimizer step's
 * {@link #onStep}; a step that accumulates gradients over several micro-batches samples several rounds
 * (all with the same {@code step}), and with {@code numIterations > 1} the steps that reuse a round get
 * none.
 */
@FunctionalInterface
public interface CompletionListener extends TrainListener {

    /**
     * The completions of one generation round, with the columns of {@link OnlineRun#completions()}:
     * {@code step, prompt, completion, length}, one column per reward function, {@code reward},
     * {@code advantage}; prompt-major ({@code numGenerations} consecutive rows per prompt).
     *
     * @param step the optimizer step (1-based) the round is trained in
     */
    void onCompletions(int step, Table completions);
}
