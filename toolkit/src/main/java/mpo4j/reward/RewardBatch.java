package mpo4j.reward;

import java.util.List;
import java.util.Map;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Source;

/**
 * A collated batch of {@code N} reward pairs: {@link #sides()} holds input 0 in its "chosen" rows and
 * input 1 in its "rejected" rows (which side is preferred is in the labels, not in the layout), with
 * each pair's image tiles stored once and shared by both of its rows. The model runs both sides as one
 * {@code 2N} batch padded to one length ({@link PreferenceBatch#concatenated()}) and splits the scores.
 *
 * @param sides  input 0 rows (as {@code chosen}) and input 1 rows (as {@code rejected})
 * @param labels one {@code head → A|B|C} map per pair
 */
public record RewardBatch(PreferenceBatch sides, List<Map<String, String>> labels, List<Source> sources) {

    public RewardBatch {
        labels = List.copyOf(labels);
        sources = List.copyOf(sources);
        if (labels.size() != sides.pairs() || sources.size() != sides.pairs()) {
            throw new IllegalArgumentException("a reward batch of " + sides.pairs() + " pairs got " + labels.size()
                    + " label maps and " + sources.size() + " sources");
        }
    }

    public int pairs() { return sides.pairs(); }

    /** The labels of one head, one per pair ({@code ""} where a pair has no label for it: a tie). */
    public List<String> labels(String head) {
        return labels.stream().map(m -> m.getOrDefault(head, "")).toList();
    }

    /** Real (non-padding) tokens in both sides. */
    public long tokens() {
        long n = 0;
        for (int l : sides.chosen().lengths()) n += l;
        for (int l : sides.rejected().lengths()) n += l;
        return n;
    }
}
