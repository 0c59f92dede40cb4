package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.plot.Curves;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class MetricsLogTest {

    private static Map<String, Double> row(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        }
        return m;
    }

    private static MetricsLog sample() {
        MetricsLog log = new MetricsLog();
        log.add(row("step", 1, "epoch", 0.5, "loss", 0.9, "loss/sigmoid", 0.6931471805599453, "rewards/chosen", 0.0,
                "rewards/rejected", 0.0, "rewards/margins", 0.0, "rewards/accuracies", 0.0, "logps/chosen", -30.25,
                "logps/rejected", -28.5, "learning_rate", 1e-4, "grad_norm", 3.5));
        log.add(row("step", 2, "epoch", 1.0, "loss", 0.7, "loss/sigmoid", 0.6, "rewards/chosen", 0.1,
                "rewards/rejected", -0.1, "rewards/margins", 0.2, "rewards/accuracies", 0.75, "logps/chosen", -29.0,
                "logps/rejected", -31.0, "learning_rate", 5e-5, "grad_norm", 2.0));
        log.add(row("step", 2, "epoch", 1.0, "eval/loss", 0.72, "eval/rewards/margins", 0.15, "eval/rewards/accuracies", 0.5));
        return log;
    }

    @Test
    void tableHasOneColumnPerMetricWithNaNWhereMissing() {
        Table t = sample().table();
        assertEquals(3, t.rowCount());
        assertEquals(List.of("step", "epoch", "loss"), t.columnNames().subList(0, 3));
        assertEquals(0.75, t.doubleColumn("rewards/accuracies").get(1));
        assertTrue(Double.isNaN(t.doubleColumn("loss").getDouble(2)), "a metric missing from a row reads as NaN");
        assertEquals(0.72, t.doubleColumn("eval/loss").get(2));
    }

    @Test
    void jsonlRoundTripsExactlyAndCsvLeavesMissingEmpty(@TempDir Path dir) throws IOException {
        MetricsLog log = sample();
        log.writeJsonl(dir.resolve("m.jsonl"));
        log.writeCsv(dir.resolve("m.csv"));
        assertEquals(log.rows(), MetricsLog.readJsonl(dir.resolve("m.jsonl")).rows());
        List<String> csv = Files.readAllLines(dir.resolve("m.csv"));
        assertEquals(4, csv.size());
        assertTrue(csv.get(3).startsWith("2.0,1.0,,,"), csv.get(3));
    }

    @Test
    void malformedJsonlNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"step\": 1.0}\n{\"step\": oops\n");
        IOException e = assertThrows(IOException.class, () -> MetricsLog.readJsonl(f));
        assertTrue(e.getMessage().startsWith(f + ":2: not a metrics row"), e.getMessage());
    }

    @Test
    void curvesPairChosenWithRejectedAndDrawTheInitialLoss(@TempDir Path dir) throws IOException {
        Curves c = Curves.of(sample().rows(), Map.of("loss/sigmoid", Math.log(2)));
        assertEquals(List.of("rewards", "margins", "accuracies", "logps", "loss", "loss/sigmoid", "learning_rate", "grad_norm"), c.names());
        assertEquals(List.of("rewards/chosen", "rewards/rejected"),
                c.get("rewards").getSeriesCollection().stream().map(s -> s.getName()).toList());
        assertEquals(List.of("rewards/margins", "eval/rewards/margins"),
                c.get("margins").getSeriesCollection().stream().map(s -> s.getName()).toList());
        var ref = c.get("loss/sigmoid").getSeriesCollection().stream().filter(s -> s.getName().startsWith("initial")).findFirst().orElseThrow();
        assertEquals(Math.log(2), ref.getYData()[0], 1e-12);
        assertEquals(List.of(1.0, 2.0), List.of(ref.getXData()[0], ref.getXData()[1]));
        List<Path> files = c.saveAll(dir);
        assertEquals(8, files.size());
        assertTrue(Files.isRegularFile(dir.resolve("loss_sigmoid.png")));
        byte[] png = c.png("margins");
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        Exception e = assertThrows(IllegalArgumentException.class, () -> c.get("nope"));
        assertTrue(e.getMessage().startsWith("no panel 'nope'; available: [rewards,"), e.getMessage());
        assertTrue(c.toString().contains("margins:  rewards/margins 0.000 → 0.2000"), c.toString());
    }

    @Test
    void progressLineShowsStepLossMarginAccuracyAndEta() {
        Map<String, Double> m = row("loss", 0.64213, "rewards/margins", 0.0312, "rewards/accuracies", 0.625);
        String line = ProgressBar.line(new TrainListener.Progress(45, 100, 0.45, m, 22_500, 45));
        // 45 steps in 22.5 s → 2 it/s; 55 left → 27.5 s ≈ 28 s
        assertEquals("[##########..............] 45/100  loss 0.6421  margin 0.0312  acc 0.625  2.00 it/s  ETA 00:28", line);
    }

    @Test
    void evalValuesSurviveTheJsonlFileBesideTheRows(@TempDir Path dir) throws IOException {
        MetricsLog log = sample();
        log.addEvalValues(2, "rewards/margins", new float[] {0.25f, -0.5f, Float.NaN});
        log.addEvalValues(4, "rewards/margins", new float[] {1.5f, 0f, 0.125f});
        Path file = dir.resolve("metrics.jsonl");
        log.writeJsonl(file);
        List<String> lines = Files.readAllLines(file);
        assertEquals(5, lines.size(), "3 rows, then one line per evaluation step with values");
        assertEquals("{\"step\":2,\"eval_values\":{\"rewards/margins\":[0.25,-0.5,NaN]}}", lines.get(3));

        MetricsLog read = MetricsLog.readJsonl(file);
        assertEquals(log.rows(), read.rows(), "the value lines are not metric rows");
        assertEquals(List.of(2, 4), List.copyOf(read.evalValues("rewards/margins").keySet()));
        assertTrue(java.util.Arrays.equals(new float[] {1.5f, 0f, 0.125f}, read.evalValues("rewards/margins").get(4)));
        assertTrue(Float.isNaN(read.evalValues("rewards/margins").get(2)[2]));
        assertTrue(read.evalValues("rewards/chosen").isEmpty());

        MetricsLog resumed = new MetricsLog();
        resumed.addAll(read);
        assertEquals(read.rows(), resumed.rows());
        assertEquals(List.of("rewards/margins"), resumed.evalValueNames());
    }
}
