package mpo4j.collate;

import java.util.Arrays;
import java.util.List;
import mpo4j.text.EncodedSequence;
import mpo4j.text.Labels;

/** Right-pads encoded rows into a {@link SequenceBatch}. */
final class Rows {
    private Rows() {}

    /** Pads to the longest row, or to {@code minLength} if longer, rounded up to a multiple of {@code multiple}. */
    static SequenceBatch pad(List<EncodedSequence> rows, long padId, int minLength, int multiple) {
        int len = minLength;
        for (EncodedSequence r : rows) len = Math.max(len, r.length());
        if (multiple > 1) len = (len + multiple - 1) / multiple * multiple;
        long[] ids = new long[rows.size() * len];
        long[] labels = new long[ids.length];
        int[] lengths = new int[rows.size()];
        Arrays.fill(ids, padId);
        Arrays.fill(labels, Labels.IGNORE);
        for (int r = 0; r < rows.size(); r++) {
            EncodedSequence s = rows.get(r);
            System.arraycopy(s.ids(), 0, ids, r * len, s.length());
            System.arraycopy(s.labels(), 0, labels, r * len, s.length());
            lengths[r] = s.length();
        }
        return new SequenceBatch(rows.size(), len, ids, labels, lengths, padId);
    }

    static int longest(List<EncodedSequence> rows) {
        return rows.stream().mapToInt(EncodedSequence::length).max().orElse(0);
    }
}
