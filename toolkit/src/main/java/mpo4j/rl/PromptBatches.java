package mpo4j.rl;

import java.util.ArrayList;
import java.util.List;
import mpo4j.data.PreferencePair;
import mpo4j.train.Batches;

/** The training prompts as the loop sees them: a batch is just the examples at the loop's indices. */
final class PromptBatches implements Batches<PromptBatch> {
    private final List<PreferencePair> examples;

    PromptBatches(List<PreferencePair> examples) { this.examples = List.copyOf(examples); }

    @Override
    public int size() { return examples.size(); }

    @Override
    public PromptBatch batch(int[] indices) {
        List<PreferencePair> pairs = new ArrayList<>(indices.length);
        for (int i : indices) {
            pairs.add(examples.get(i));
        }
        return new PromptBatch(indices.clone(), pairs);
    }
}
