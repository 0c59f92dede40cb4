package mpo4j.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
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
import mpo4j.io.AtomicFiles;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * The history of logged rows: one row per optimizer step (train metrics) and one per evaluation
 * ({@code eval/}-prefixed metrics), each with {@code step} and {@code epoch}. Rows keep insertion
 * order; columns are the union of keys in order of first appearance.
 */
public final class MetricsLog {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final Type ROW = new TypeToken<LinkedHashMap<String, Double>>() {}.getType();

    private final List<Map<String, Double>> rows = new ArrayList<>();

    public synchronized void add(Map<String, Double> row) {
        rows.add(Collections.unmodifiableMap(new LinkedHashMap<>(row)));
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

    /** Writes one JSON object per row (atomically). */
    public void writeJsonl(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Double> r : rows()) {
            sb.append(GSON.toJson(r, ROW)).append('\n');
        }
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
                Map<String, Double> row = GSON.fromJson(lines.get(i), ROW);
                log.add(row);
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
