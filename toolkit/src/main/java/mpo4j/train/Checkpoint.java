package mpo4j.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A training checkpoint directory {@code checkpoint-<step>/}: {@code model/} (the model's own
 * save), {@code optimizer.safetensors} (AdamW moments), {@code trainer_state.json} (step, AdamW
 * step, config, objective state such as BCO δ) and {@code metrics.jsonl} (the history so far).
 * The data order needs no RNG state: each epoch's shuffle is derived from seed and epoch.
 *
 * <p>Written into a temp directory and renamed into place, so a crash (even {@code kill -9})
 * leaves either the complete previous checkpoints or the new one, never half of one.
 */
public final class Checkpoint {
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
    static final String STATE = "trainer_state.json";

    /** What {@code trainer_state.json} holds. */
    public record State(int globalStep, long adamStep, int totalSteps, TrainConfig config, Map<String, Double> objectiveState) {}

    private Checkpoint() {}

    static Path write(Path runDir, State state, Trainable model, AdamW optimizer, MetricsLog log) throws IOException {
        Files.createDirectories(runDir);
        Path tmp = Files.createTempDirectory(runDir, ".checkpoint-" + state.globalStep() + "-");
        model.save(tmp.resolve("model"));
        optimizer.save(tmp.resolve("optimizer.safetensors"));
        log.writeJsonl(tmp.resolve("metrics.jsonl"));
        MetricsLog.writeAtomically(tmp.resolve(STATE), GSON.toJson(state));
        Path target = runDir.resolve("checkpoint-" + state.globalStep());
        if (Files.exists(target)) {
            deleteRecursively(target);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
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
                    s.objectiveState() == null ? Map.of() : new LinkedHashMap<>(s.objectiveState()));
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
        try (Stream<Path> children = Files.list(dir)) {
            Optional<Path> best = children
                    .filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(11))));
            return best.orElseThrow(() -> new IOException("no checkpoint in " + dir + " (expected checkpoint-N/" + STATE + ")"));
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    static JsonObject toJson(Object o) { return GSON.toJsonTree(o).getAsJsonObject(); }
}
