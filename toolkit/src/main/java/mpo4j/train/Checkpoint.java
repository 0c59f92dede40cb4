package mpo4j.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import mpo4j.io.AtomicFiles;
import java.util.stream.Stream;

/**
 * A training checkpoint directory {@code checkpoint-<step>/}: {@code model/} (the model's own
 * save), {@code optimizer.safetensors} (AdamW moments), {@code trainer_state.json} (step, AdamW
 * step, config, objective state such as BCO δ) and {@code metrics.jsonl} (the history so far).
 * The data order needs no RNG state: each epoch's shuffle is derived from seed and epoch. A
 * {@link Trainable} that also implements {@link Companion} adds its own files (the preference
 * trainer's {@code reference.safetensors} when TR-DPO synchronises the reference).
 *
 * <p>Written into a hidden temporary folder and renamed into place ({@link AtomicFiles#writeDirectory}),
 * so a crash (even {@code kill -9}) leaves either the complete previous checkpoints or the new one, never
 * half of one; the temporaries a crash leaves are removed by the next write or resume. With
 * {@code saveTotalLimit} only the newest checkpoints are kept (HF's {@code save_total_limit}).
 */
public final class Checkpoint {
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
    static final String STATE = "trainer_state.json";

    /**
     * What {@code trainer_state.json} holds.
     *
     * @param fingerprint what the run was trained with, field by field ({@code config.lr}, {@code loss.beta},
     *     {@code data.train_order}, {@code model.parameters}, ...): a resume must match it (empty in
     *     checkpoints written before fingerprints existed)
     */
    public record State(int globalStep, long adamStep, int totalSteps, TrainConfig config, Map<String, Double> objectiveState,
                        Map<String, String> fingerprint) {}

    private Checkpoint() {}

    /**
     * State a {@link Trainable} keeps besides its weights that changes during training and that a resume
     * needs, such as a TR-DPO reference model mixed towards the policy every few steps. It is written
     * into the same temporary folder as the rest of the checkpoint, so it is part of the atomic write;
     * the trainer that owns it reads it back from the checkpoint it resumes.
     */
    public interface Companion {
        /** Writes the companion state into {@code checkpointDir} (the checkpoint being assembled). */
        void saveInto(Path checkpointDir) throws IOException;
    }

    static Path write(Path runDir, State state, Trainable model, AdamW optimizer, MetricsLog log) throws IOException {
        List<String> bad = FiniteWeights.nonFinite(model.trainableParameters());
        if (!bad.isEmpty()) {
            throw new IllegalStateException("refusing to write checkpoint-" + state.globalStep() + ": non-finite weights in "
                    + FiniteWeights.describe(bad));
        }
        Files.createDirectories(runDir);
        AtomicFiles.removeTemporaries(runDir);
        Path target = runDir.resolve("checkpoint-" + state.globalStep());
        AtomicFiles.writeDirectory(target, tmp -> {
            model.save(tmp.resolve("model"));
            if (model instanceof Companion companion) {
                companion.saveInto(tmp);
            }
            optimizer.save(tmp.resolve("optimizer.safetensors"));
            log.writeJsonl(tmp.resolve("metrics.jsonl"));
            AtomicFiles.writeString(tmp.resolve(STATE), GSON.toJson(state));
        });
        int limit = state.config().saveTotalLimit();
        if (limit > 0) {
            List<Path> all = complete(runDir);
            for (Path old : all.subList(0, Math.max(0, all.size() - limit))) {
                AtomicFiles.deleteDirectory(old);
            }
        }
        return target;
    }

    /** The complete {@code checkpoint-N} folders of a run directory, oldest (smallest N) first. */
    public static List<Path> complete(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(runDir)) {
            return children.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .sorted(Comparator.comparingInt(Checkpoint::stepOf))
                    .toList();
        }
    }

    private static int stepOf(Path checkpoint) {
        return Integer.parseInt(checkpoint.getFileName().toString().substring("checkpoint-".length()));
    }

    /** Reads {@code trainer_state.json} of a checkpoint directory. */
    public static State readState(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(STATE);
        try {
            State s = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), State.class);
            if (s == null || s.config() == null) {
                throw new IOException(file + ": missing field 'config'");
            }
            return new State(s.globalStep(), s.adamStep(), s.totalSteps(), s.config(),
                    s.objectiveState() == null ? Map.of() : new LinkedHashMap<>(s.objectiveState()),
                    s.fingerprint() == null ? Map.of() : new LinkedHashMap<>(s.fingerprint()));
        } catch (com.google.gson.JsonParseException e) {
            throw new IOException(file + ": not a trainer state (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The checkpoint to resume from: {@code dir} itself if it is one, else its complete
     * {@code checkpoint-N} subdirectory with the largest N.
     */
    public static Path latest(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(STATE))) {
            return dir;
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("no checkpoint at " + dir + ": not a directory");
        }
        AtomicFiles.removeTemporaries(dir);      // what a crash during a checkpoint write left behind
        List<Path> all = complete(dir);
        if (all.isEmpty()) {
            throw new IOException("no checkpoint in " + dir + " (expected checkpoint-N/" + STATE + ")");
        }
        return all.get(all.size() - 1);
    }

    static JsonObject toJson(Object o) { return GSON.toJsonTree(o).getAsJsonObject(); }
}
