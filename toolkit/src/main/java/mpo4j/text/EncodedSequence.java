package mpo4j.text;

import mpo4j.collate.SequenceBatch;

/**
 * One tokenized conversation: ids with aligned labels ({@link Labels#IGNORE} where not trained).
 *
 * @param promptLength tokens before the answer (system, user turns, assistant prefix) after truncation
 */
public record EncodedSequence(long[] ids, long[] labels, int promptLength) {

    public int length() { return ids.length; }

    /** Positions with a trained label (answer and end token). */
    public int trainedTokens() {
        int n = 0;
        for (long l : labels) {
            if (l != Labels.IGNORE) n++;
        }
        return n;
    }
}
