package mpo4j.train;

import mpo4j.engine.HostCopy;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.model.CausalLm;

/**
 * A {@link CausalLm} seen by the trainer: its parameters by Hugging Face name, saved in the model's own
 * checkpoint layout and loaded back in place.
 */
public final class ModelTrainable implements Trainable {
    private final CausalLm model;

    public ModelTrainable(CausalLm model) {
        if (!model.isTrainable()) {
            throw new IllegalArgumentException("the model is a frozen copy (no gradients); train the policy it was copied from");
        }
        this.model = model;
    }

    public CausalLm model() { return model; }

    @Override
    public Map<String, NDArray> trainableParameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().getArray());
        }
        return out;
    }

    @Override
    public void save(Path dir) { model.save(dir); }

    /** Loads the saved model and copies every parameter into the live one (same names and shapes). */
    @Override
    public void loadInPlace(Path dir) {
        try (CausalLm saved = model.loadSaved(dir)) {
            Map<String, Parameter> stored = saved.parameters();
            for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
                Parameter s = stored.get(e.getKey());
                if (s == null || !s.getArray().getShape().equals(e.getValue().getArray().getShape())) {
                    throw new IllegalArgumentException(dir + ": parameter '" + e.getKey() + "' is missing or has another shape");
                }
                e.getValue().getArray().set(HostCopy.floats(s.getArray()));
            }
        }
    }
}
