package mpo4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.Source;
import org.junit.jupiter.api.Test;

/** The counts behind the executed-FLOP numbers, on a hand-built two-pair batch. */
class BatchCountsTest {
    private static final long I = -100;   // Labels.IGNORE
    private static final long PAD = 0;

    /**
     * Pair 0: prompt 1 2 3, chosen completion 4 5, rejected 9 (rows of 5 and 4).
     * Pair 1: prompt 1 2 3, chosen completion 7 5, rejected 7 8 6 (rows of 5 and 6): the completions share
     * their first token, so the common prefix is 4.
     */
    private static PreferenceBatch batch() {
        SequenceBatch chosen = new SequenceBatch(2, 5,
                new long[] {1, 2, 3, 4, 5, /**/ 1, 2, 3, 7, 5},
                new long[] {I, I, I, 4, 5, /**/ I, I, I, 7, 5}, new int[] {5, 5}, PAD);
        SequenceBatch rejected = new SequenceBatch(2, 6,
                new long[] {1, 2, 3, 9, PAD, PAD, /**/ 1, 2, 3, 7, 8, 6},
                new long[] {I, I, I, 9, I, I, /**/ I, I, I, 7, 8, 6}, new int[] {4, 6}, PAD);
        return new PreferenceBatch(chosen, rejected, new float[0], 0, 448, new int[0], new int[] {0, 0, 0},
                List.of(Source.inline("pair 0"), Source.inline("pair 1")), null, null);
    }

    @Test
    void sharedPrefixStopsAtTheFirstDifferentId() {
        assertEquals(3, batch().sharedPrefix(0));
        assertEquals(4, batch().sharedPrefix(1));
    }

    @Test
    void packedRowsHoldTheChosenRowAndTheRejectedTokensAfterThePrefix() {
        // pair 0: 5 + 4 - 3 = 6; pair 1: 5 + 6 - 4 = 7
        assertArrayEquals(new int[] {6, 7}, BatchCounts.promptOnceRowLengths(batch()));
    }

    @Test
    void scoredPositionsAreTheLabelsOtherThanIgnore() {
        // chosen rows: 2 + 2; rejected rows: 1 + 3 (the padding's labels are ignored)
        assertEquals(8, BatchCounts.scoredPositions(batch()));
    }
}
