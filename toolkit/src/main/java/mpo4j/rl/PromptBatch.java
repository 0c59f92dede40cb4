package mpo4j.rl;

import java.util.List;
import mpo4j.data.PreferencePair;

/**
 * The prompts of one micro-batch of an online trainer.
 *
 * @param indices the examples' positions in the training data (they key the sampler's random streams)
 * @param pairs the examples: prompt and images, and the chosen answer as the reference answer
 */
record PromptBatch(int[] indices, List<PreferencePair> pairs) {}
