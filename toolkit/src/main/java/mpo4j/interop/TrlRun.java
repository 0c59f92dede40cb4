package mpo4j.interop;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mpo4j.plot.Curves;
import mpo4j.train.MetricsLog;
import tech.tablesaw.api.Table;

/**
 * A run of TRL (or any transformers {@code Trainer}) read back from its {@code output_dir}: the
 * {@code log_history} of its {@code trainer_state.json} as the same rows, table and curves as an mpo4j
 * run. TRL's metric names are mpo4j's ({@code loss}, {@code rewards/margins}, {@code logps/rejected},
 * {@code learning_rate}, {@code grad_norm}, ...); evaluation entries' {@code eval_} prefix becomes
 * mpo4j's {@code eval/} ({@code eval_rewards/margins} → {@code eval/rewards/margins}), and the closing
 * summary entry ({@code train_runtime}, {@code train_loss}, ...) is kept apart in {@link #summary()}.
 *
 * <p>Without a {@code trainer_state.json} in the folder itself (a run that stopped before its end), the
 * one of the latest {@code checkpoint-N} folder is read.
 */
public final class TrlRun {
    private final Path stateFile;
    private final MetricsLog log;
    private final Map<String, Double> summary;
    private final List<Integer> checkpoints;
    private final int globalStep;

    private TrlRun(Path stateFile, MetricsLog log, Map<String, Double> summary, List<Integer> checkpoints, int globalStep) {
        this.stateFile = stateFile;
        this.log = log;
        this.summary = summary;
        this.checkpoints = checkpoints;
        this.globalStep = globalStep;
    }

    /** Reads {@code outputDir/trainer_state.json}, or the latest {@code checkpoint-N/trainer_state.json}. */
    public static TrlRun read(Path outputDir) {
        List<Integer> checkpoints = checkpointSteps(outputDir);
        Path state = outputDir.resolve("trainer_state.json");
        if (!Files.isRegularFile(state) && !checkpoints.isEmpty()) {
            state = outputDir.resolve("checkpoint-" + checkpoints.get(checkpoints.size() - 1)).resolve("trainer_state.json");
        }
        if (!Files.isRegularFile(state)) {
            throw new IllegalArgumentException("no trainer_state.json in " + outputDir + " nor in a checkpoint-N folder of it");
        }
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(state, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) throw new IllegalArgumentException(state + ": expected a JSON object");
            root = e.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + state, e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(state + ": malformed JSON (" + e.getMessage() + ")", e);
        }
        JsonElement history = root.get("log_history");
        if (history == null || !history.isJsonArray()) {
            throw new IllegalArgumentException(state + ": field \"log_history\": " + (history == null ? "missing" : "expected a list"));
        }
        MetricsLog log = new MetricsLog();
        Map<String, Double> summary = new LinkedHashMap<>();
        for (int i = 0; i < history.getAsJsonArray().size(); i++) {
            JsonElement entry = history.getAsJsonArray().get(i);
            if (!entry.isJsonObject()) {
                throw new IllegalArgumentException(state + ": field \"log_history[" + i + "]\": expected an object");
            }
            Map<String, Double> row = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> m : entry.getAsJsonObject().entrySet()) {
                Double v = number(m.getValue());
                if (v != null) row.put(mpo4jName(m.getKey()), v);
            }
            if (row.containsKey("train_runtime")) {
                summary.putAll(row); // the closing entry Trainer.train() logs: totals, not a step
            } else {
                log.add(row);
            }
        }
        JsonElement step = root.get("global_step");
        int globalStep = step != null && step.isJsonPrimitive() ? step.getAsInt() : log.size();
        return new TrlRun(state, log, Map.copyOf(summary), checkpoints, globalStep);
    }

    /** TRL's name → mpo4j's: {@code eval_x} → {@code eval/x}; every other name is the same in both. */
    static String mpo4jName(String trl) {
        return trl.startsWith("eval_") ? "eval/" + trl.substring(5) : trl;
    }

    private static Double number(JsonElement e) {
        if (e == null || !e.isJsonPrimitive()) return null;
        if (e.getAsJsonPrimitive().isNumber()) return e.getAsDouble();
        if (e.getAsJsonPrimitive().isString()) {
            // Python's json writes NaN/Infinity as bare words, which Gson reads as strings
            return switch (e.getAsString()) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> null;
            };
        }
        return null;
    }

    private static List<Integer> checkpointSteps(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("checkpoint-\\d+"))
                    .map(n -> Integer.parseInt(n.substring("checkpoint-".length()))).sorted(Comparator.naturalOrder()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The file read. */
    public Path stateFile() { return stateFile; }

    /** The logged rows, as an mpo4j run's {@link mpo4j.train.TrainRun#log()}. */
    public MetricsLog log() { return log; }

    /** One column per metric, one row per logged step or evaluation. */
    public Table metrics() { return log.table(); }

    /** Training rows (those with {@code loss}). */
    public List<Map<String, Double>> trainRows() { return log.rowsWith("loss"); }

    /** Evaluation rows (those with {@code eval/loss}). */
    public List<Map<String, Double>> evalRows() { return log.rowsWith("eval/loss"); }

    /** The closing totals ({@code train_runtime}, {@code train_loss}, {@code total_flos}, ...); empty for an unfinished run. */
    public Map<String, Double> summary() { return summary; }

    /** Steps of the {@code checkpoint-N} folders, ascending. */
    public List<Integer> checkpoints() { return checkpoints; }

    /** The optimizer steps taken ({@code global_step}). */
    public int steps() { return globalStep; }

    /** The last logged value of {@code metric}. */
    public double last(String metric) {
        List<Map<String, Double>> rows = log.rowsWith(metric);
        if (rows.isEmpty()) throw new IllegalArgumentException("no metric '" + metric + "'; logged: " + log.columns());
        return rows.get(rows.size() - 1).get(metric);
    }

    /** The same panels as an mpo4j run's curves (no analytic initial-loss lines: TRL does not log them). */
    public Curves curves() { return Curves.of(log.rows(), Map.of()); }

    @Override
    public String toString() {
        return "TrlRun[" + stateFile + ", " + globalStep + " steps, " + trainRows().size() + " train rows, " + evalRows().size()
                + " eval rows, checkpoints " + checkpoints + "]";
    }
}
