package mpo4j.train;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Child-JVM entry for the crash-safe save test: saves a run to one folder over and over, save k
 * holding k metric rows and a model whose {@code step.txt} says k (plus a few MB of weights, so that a
 * kill often lands inside a save). Prints "saved k" after each save returns. No native engine is
 * loaded, so the JVM starts quickly.
 */
public final class RunSaveMain {
    /** Bytes of the fake weights file of every save. */
    static final int WEIGHT_BYTES = 3 << 20;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int saves = Integer.parseInt(args[1]);
        int k = savedStep(dir);
        System.out.println("start " + k);
        System.out.flush();
        for (int i = 0; i < saves; i++) {
            k++;
            runAt(k).save(dir);
            System.out.println("saved " + k);
            System.out.flush();
        }
        System.exit(0);
    }

    /** The run as it is after {@code k} steps: k train rows, a model that knows k. */
    static TrainRun runAt(int k) {
        MetricsLog log = new MetricsLog();
        for (int s = 1; s <= k; s++) {
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("step", (double) s);
            row.put("epoch", s / 10.0);
            row.put("loss", 1.0 / s);
            row.put("rewards/accuracies", 0.5);
            row.put("rewards/margins", 0.01 * s);
            log.add(row);
        }
        return new TrainRun(new StepModel(k), log, false, k, 1000, null, Map.of("loss", Math.log(2)), 0);
    }

    /** The k of the complete save in {@code dir} (0 when there is none), after recovering a crashed swap. */
    static int savedStep(Path dir) throws IOException {
        mpo4j.io.AtomicFiles.recover(dir);
        Path step = dir.resolve("model").resolve("step.txt");
        return Files.exists(step) ? Integer.parseInt(Files.readString(step).trim()) : 0;
    }

    /** A model without arrays whose save writes its step and a large file. */
    private record StepModel(int k) implements Trainable {
        @Override public Map<String, NDArray> trainableParameters() { return Map.of(); }

        @Override public void save(Path dir) throws IOException {
            Files.createDirectories(dir);
            byte[] weights = new byte[WEIGHT_BYTES];
            java.util.Arrays.fill(weights, (byte) k);
            Files.write(dir.resolve("weights.bin"), weights);
            Files.writeString(dir.resolve("step.txt"), Integer.toString(k), StandardCharsets.UTF_8);
        }

        @Override public void loadInPlace(Path dir) { throw new UnsupportedOperationException(); }
    }

    private RunSaveMain() {}

    static List<String> lines(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }
}
