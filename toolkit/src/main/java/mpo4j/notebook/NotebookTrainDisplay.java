package mpo4j.notebook;

import java.util.Optional;
import mpo4j.train.TrainDisplay;
import mpo4j.train.TrainListener;

/** Supplies {@link LiveTraining} to trainers while a notebook cell is running in a kernel. */
public final class NotebookTrainDisplay implements TrainDisplay {

    @Override
    public Optional<TrainListener> open(String title) {
        return Notebook.inKernel() ? Optional.of(LiveTraining.show(title)) : Optional.empty();
    }
}
