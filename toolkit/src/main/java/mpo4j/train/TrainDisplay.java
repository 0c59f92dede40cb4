package mpo4j.train;

import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A live view of training that a front end supplies, found through {@link ServiceLoader} under
 * {@code META-INF/services/mpo4j.train.TrainDisplay}. The notebook package provides one that updates a
 * display in place while a Jupyter cell runs; the training package itself knows no front end.
 */
public interface TrainDisplay {

    /** A listener showing a run titled {@code title}, or empty when this front end is not active now. */
    Optional<TrainListener> open(String title);

    /** The first active front end's listener, if any. */
    static Optional<TrainListener> active(String title) {
        for (TrainDisplay d : ServiceLoader.load(TrainDisplay.class, TrainDisplay.class.getClassLoader())) {
            Optional<TrainListener> l = d.open(title);
            if (l.isPresent()) {
                return l;
            }
        }
        return Optional.empty();
    }
}
