package mpo4j.bench;

import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.text.Labels;

/** What a preference step computes over a batch, counted from the collated ids and labels (for the FLOP counts). */
final class BatchCounts {
    private BatchCounts() {}

    /**
     * Positions whose next label is scored (where the output head runs): every label but
     * {@link Labels#IGNORE}, from position 1 on, over the chosen and rejected rows.
     */
    static long scoredPositions(PreferenceBatch batch) {
        SequenceBatch rows = batch.concatenated();
        long[] labels = rows.labels();
        int len = rows.length();
        long scored = 0;
        for (int i = 0; i < labels.length; i++) {
            if (i % len != 0 && labels[i] != Labels.IGNORE) {
                scored++;
            }
        }
        return scored;
    }

    /**
     * The real length of each row the decoder runs when the prompt is computed once per pair
     * ({@code PreferenceTrainer.promptOncePerPair}): one row per pair, its chosen tokens plus the rejected
     * tokens after the two rows' shared prefix.
     */
    static int[] promptOnceRowLengths(PreferenceBatch batch) {
        int[] lengths = new int[batch.pairs()];
        for (int b = 0; b < lengths.length; b++) {
            lengths[b] = batch.chosen().lengths()[b] + batch.rejected().lengths()[b] - batch.sharedPrefix(b);
        }
        return lengths;
    }
}
