package mpo4j.data;

/** A train/eval partition of a dataset (see {@link Dataset#split(double)}). */
public record Split<T>(Dataset<T> train, Dataset<T> eval) {
    @Override
    public String toString() {
        return "Split: train " + train.size() + ", eval " + eval.size() + "\n" + train;
    }
}
