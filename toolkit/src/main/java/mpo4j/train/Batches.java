package mpo4j.train;

/**
 * An indexable data set that can assemble a batch from example indices; the trainer decides the
 * order (a permutation derived from seed and epoch) and the batch boundaries.
 *
 * @param <B> the batch type
 */
public interface Batches<B> {

    /** Number of examples. */
    int size();

    /**
     * The batch made of the examples at {@code indices}, in that order. Under a skip policy for bad
     * examples the batch may hold fewer, or be {@code null} when every one of them was dropped (the
     * trainer then skips the micro-batch).
     */
    B batch(int[] indices);

    /**
     * Counters of examples dropped so far under a skip policy (e.g. {@code skipped_pairs}), logged with
     * every training row; empty when nothing is ever skipped.
     */
    default java.util.Map<String, Double> skipped() { return java.util.Map.of(); }
}
