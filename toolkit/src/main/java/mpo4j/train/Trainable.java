package mpo4j.train;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the trainer needs from a model: its trainable arrays by stable name, and a way to save them
 * and to load them back in place (for checkpoints and {@code resume}).
 *
 * <p>The defaults store the arrays in {@code weights.safetensors}; models with their own format
 * (e.g. Hugging Face layout) override both methods.
 */
public interface Trainable {

    /** Trainable arrays (with gradients attached), in a stable order, by stable names. */
    Map<String, NDArray> trainableParameters();

    /** Writes the model into {@code dir}. */
    default void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        TensorFile.write(dir.resolve("weights.safetensors"), trainableParameters());
    }

    /** Overwrites the live parameters with those saved in {@code dir} by {@link #save}. */
    default void loadInPlace(Path dir) throws IOException {
        TensorFile.loadInto(dir.resolve("weights.safetensors"), trainableParameters());
    }
}
