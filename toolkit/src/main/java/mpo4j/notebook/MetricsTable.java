package mpo4j.notebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mpo4j.train.TrainRun;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * A run's metrics log laid out for reading: one row per optimizer step, each {@code eval/} column
 * right after its training column, and an evaluation's values on the row of the step it was made at
 * (the log keeps them as rows of their own, which show as rows of empty cells). Rendered with 4
 * significant digits by the notebook ({@link Render#html}).
 */
public final class MetricsTable {
    private static final String EVAL = "eval/";

    private MetricsTable() {}

    /** The table of {@code run}'s log. */
    public static Table of(TrainRun run) {
        return of(run.log().rows());
    }

    /** The table of logged rows (metric name to value, each with a {@code step}). */
    public static Table of(List<Map<String, Double>> rows) {
        Map<Integer, Map<String, Double>> byStep = new LinkedHashMap<>();
        Set<String> names = new LinkedHashSet<>();
        int evaluations = 0;
        for (Map<String, Double> row : rows) {
            Double step = row.get("step");
            if (step == null) {
                throw new IllegalArgumentException("metrics row without a 'step': " + row);
            }
            if (row.keySet().stream().anyMatch(k -> k.startsWith(EVAL))) {
                evaluations++;
            }
            byStep.computeIfAbsent((int) Math.round(step), s -> new LinkedHashMap<>()).putAll(row);
            names.addAll(row.keySet());
        }
        List<String> order = columnOrder(names);
        IntColumn steps = IntColumn.create("step");
        List<DoubleColumn> columns = new ArrayList<>();
        order.forEach(n -> columns.add(DoubleColumn.create(n)));
        for (Map.Entry<Integer, Map<String, Double>> e : byStep.entrySet()) {
            steps.append(e.getKey());
            for (DoubleColumn c : columns) {
                Double v = e.getValue().get(c.name());
                c.append(v == null ? Double.NaN : v);
            }
        }
        Table table = Table.create(String.format("metrics: %d steps, %d evaluations (eval/ values on the row of their step)",
                byStep.size(), evaluations), steps);
        columns.forEach(table::addColumns);
        return table;
    }

    /** epoch, then every training metric followed by its eval/ twin, then eval-only metrics. */
    static List<String> columnOrder(Set<String> names) {
        List<String> order = new ArrayList<>();
        if (names.contains("epoch")) {
            order.add("epoch");
        }
        for (String n : names) {
            if (n.equals("step") || n.equals("epoch") || n.startsWith(EVAL)) {
                continue;
            }
            order.add(n);
            if (names.contains(EVAL + n)) {
                order.add(EVAL + n);
            }
        }
        for (String n : names) {
            if (n.startsWith(EVAL) && !order.contains(n)) {
                order.add(n);
            }
        }
        return order;
    }
}
