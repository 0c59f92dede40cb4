package mpo4j.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import mpo4j.io.AtomicFiles;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * The history of logged rows: one row per optimizer step (train metrics) and one per evaluation
 * ({@code eval/}-prefixed metrics), each with {@code step} and {@code epoch}. Rows keep insertion
 * order; columns are the union of keys in order of first appearance.
 *
 * <p>Beside the rows it keeps per-example values of evaluations (e.g. each held-out pair's reward margin
 * at each evaluation step), so that a distribution, not only its mean, can be drawn. In the JSONL file
 * they are lines of their own, {@code {"step": 8, "eval_values": {"rewards/margins": [...]}}}.
 */
public final class MetricsLog {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final Type ROW = new TypeToken<LinkedHashMap<String, Double>>() {}.getType();

    private static final String EVAL_VALUES = "eval_values";

    private final List<Map<String, Double>> rows = new ArrayList<>();
    /** metric name -> evaluation step -> one value per held-out example, in evaluation order. */
    private final Map<String, SortedMap<Integer, float[]>> evalValues = new LinkedHashMap<>();

    public synchronized void add(Map<String, Double> row) {
        rows.add(Collections.unmodifiableMap(new LinkedHashMap<>(row)));
    }

    /** Keeps each held-out example's value of {@code metric} at evaluation {@code step} (replacing an earlier one of that step). */
    public synchronized void addEvalValues(int step, String metric, float[] values) {
        evalValues.computeIfAbsent(metric, k -> new TreeMap<>()).put(step, values.clone());
    }

    /**
     * Per-example values of {@code metric} at each evaluation, by step (empty when the objective reports
     * none, e.g. for a plain SFT run).
     */
    public synchronized SortedMap<Integer, float[]> evalValues(String metric) {
        SortedMap<Integer, float[]> copy = new TreeMap<>();
        evalValues.getOrDefault(metric, new TreeMap<>()).forEach((step, v) -> copy.put(step, v.clone()));
        return Collections.unmodifiableSortedMap(copy);
    }

    /** Names of the metrics with per-example evaluation values. */
    public synchronized List<String> evalValueNames() { return List.copyOf(evalValues.keySet()); }

    /** Appends every row and evaluation value of {@code other} (a restored history) to this one. */
    public void addAll(MetricsLog other) {
        other.rows().forEach(this::add);
        for (String metric : other.evalValueNames()) {
            other.evalValues(metric).forEach((step, v) -> addEvalValues(step, metric, v));
        }
    }

    /** An immutable snapshot of the rows. */
    public synchronized List<Map<String, Double>> rows() {
        return List.copyOf(rows);
    }

    /** Rows that carry the given key (e.g. {@code "loss"} for train rows, {@code "eval/loss"} for eval rows). */
    public List<Map<String, Double>> rowsWith(String key) {
        return rows().stream().filter(r -> r.containsKey(key)).toList();
    }

    public synchronized int size() { return rows.size(); }

    /** Every column name, in order of first appearance. */
    public synchronized List<String> columns() {
        Set<String> cols = new LinkedHashSet<>();
        for (Map<String, Double> r : rows) {
            cols.addAll(r.keySet());
        }
        return List.copyOf(cols);
    }

    /** A Tablesaw table with one double column per metric (missing values are NaN). */
    public Table table() {
        List<Map<String, Double>> snapshot = rows();
        Table t = Table.create("metrics");
        for (String c : columns()) {
            double[] values = new double[snapshot.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = snapshot.get(i).getOrDefault(c, Double.NaN);
            }
            t.addColumns(DoubleColumn.create(c, values));
        }
        return t;
    }

    /** Writes one JSON object per row, then one per evaluation step with per-example values (atomically). */
    public void writeJsonl(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Double> r : rows()) {
            sb.append(GSON.toJson(r, ROW)).append('\n');
        }
        SortedMap<Integer, JsonObject> byStep = new TreeMap<>();
        for (String metric : evalValueNames()) {
            evalValues(metric).forEach((step, v) -> byStep.computeIfAbsent(step, k -> new JsonObject()).add(metric, GSON.toJsonTree(v)));
        }
        byStep.forEach((step, values) -> {
            JsonObject line = new JsonObject();
            line.addProperty("step", step);
            line.add(EVAL_VALUES, values);
            sb.append(GSON.toJson(line)).append('\n');
        });
        writeAtomically(file, sb.toString());
    }

    /** Writes a CSV with a header of every column (atomically); missing values are empty. */
    public void writeCsv(Path file) throws IOException {
        List<String> cols = columns();
        StringBuilder sb = new StringBuilder(String.join(",", cols)).append('\n');
        for (Map<String, Double> r : rows()) {
            for (int i = 0; i < cols.size(); i++) {
                Double v = r.get(cols.get(i));
                sb.append(i == 0 ? "" : ",").append(v == null ? "" : v.toString());
            }
            sb.append('\n');
        }
        writeAtomically(file, sb.toString());
    }

    /** Reads a file written by {@link #writeJsonl}; errors name the file and line. */
    public static MetricsLog readJsonl(Path file) throws IOException {
        MetricsLog log = new MetricsLog();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                JsonObject line = JsonParser.parseString(lines.get(i)).getAsJsonObject();
                if (line.has(EVAL_VALUES)) {
                    int step = line.get("step").getAsInt();
                    for (Map.Entry<String, JsonElement> e : line.getAsJsonObject(EVAL_VALUES).entrySet()) {
                        log.addEvalValues(step, e.getKey(), GSON.fromJson(e.getValue(), float[].class));
                    }
                } else {
                    log.add(GSON.fromJson(line, ROW));
                }
            } catch (RuntimeException e) {
                throw new IOException(file + ":" + (i + 1) + ": not a metrics row (" + e.getMessage() + ")", e);
            }
        }
        return log;
    }

    static void writeAtomically(Path file, String text) throws IOException {
        AtomicFiles.writeString(file, text);
    }
}
