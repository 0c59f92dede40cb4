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

    /** The batch made of the examples at {@code indices}, in that order. */
    B batch(int[] indices);
}
