package mpo4j.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A train/eval partition of a dataset (see {@link Dataset#split(double)}, which never puts a source
 * record on both sides). Built by hand from two datasets that share records (an evaluation pair that
 * is also a training pair, e.g. one repeated by {@code repeat_time}), it logs a warning.
 */
public record Split<T>(Dataset<T> train, Dataset<T> eval) {
    private static final Logger LOG = LoggerFactory.getLogger(Split.class);

    /** Checks the two sides and warns when eval holds records that train holds too. */
    public Split {
        long shared = eval.sharedRecords(train);
        if (shared > 0) {
            LOG.warn("{} of {} eval records are also training records (same file and line): evaluation would measure memorisation;"
                    + " split with Dataset.split, which keeps every copy of a record on one side", shared, eval.size());
        }
    }

    @Override
    public String toString() {
        return "Split: train " + train.size() + ", eval " + eval.size() + "\n" + train;
    }
}
