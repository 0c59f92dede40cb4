package mpo4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Not a unit test: peak resident memory of one differentiable log-prob pass (forward and backward)
 * at Qwen's vocabulary, chunked from hidden states or through full logits with a log-softmax copy.
 * Run each mode in its own JVM (the high-water mark only grows):
 * {@code java -cp toolkit/target/test-classes:toolkit/target/classes:CP mpo4j.loss.LogpsMemory chunked|full [chunk]}.
 *
 * <p>Shape: 1 pair of 512 tokens (prompt 256, chosen 128, rejected 96 and padding), hidden 64, vocabulary
 * 151,936, tied head; float32.
 */
public final class LogpsMemory {
    private LogpsMemory() {}

    public static void main(String[] args) throws IOException {
        String mode = args.length > 0 ? args[0] : "chunked";
        int chunk = args.length > 1 ? Integer.parseInt(args[1]) : CompletionLogps.DEFAULT_CHUNK_SIZE;
        int v = 151_936;
        int h = 64;
        int len = 512;
        long[] labels = new long[2 * len];
        java.util.Random r = new java.util.Random(1);
        for (int t = 0; t < len; t++) {
            labels[t] = t >= 256 && t < 256 + 128 ? r.nextInt(v) : -100;
            labels[len + t] = t >= 256 && t < 256 + 96 ? r.nextInt(v) : -100;
        }
        try (NDManager m = LossTesting.manager()) {
            Engine.getInstance().setRandomSeed(42);
            NDArray hidden = m.randomNormal(new Shape(2, len, h));
            NDArray w = m.randomNormal(new Shape(v, h)).mul(0.1);
            hidden.setRequiresGradient(true);
            w.setRequiresGradient(true);
            NDArray transposed = w.transpose();
            UnaryOperator<NDArray> head = x -> x.matMul(transposed);
            try (NDManager warm = m.newSubManager()) {       // engine and allocator warm-up, small
                warm.ones(new Shape(4, 4)).matMul(warm.ones(new Shape(4, 4))).exp().sum().getFloat();
            }
            long before = highWaterKb();
            long start = System.nanoTime();
            try (NDManager s = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray sums;
                if (mode.equals("full")) {
                    NDArray logits = head.apply(hidden);
                    sums = FullLogps.sums(logits, labels);
                } else {
                    sums = CompletionLogps.chunked().chunkSize(chunk).pairs(hidden, head, labels, false).sums();
                }
                gc.backward(sums.sum());
                System.out.printf("sums %s%n", java.util.Arrays.toString(sums.toFloatArray()));
            }
            long after = highWaterKb();
            System.out.printf("mode=%s chunk=%d: peak RSS %d MiB before, %d MiB after (+%d MiB), %.0f ms; full logits would be %d MiB%n",
                    mode, chunk, before / 1024, after / 1024, (after - before) / 1024, (System.nanoTime() - start) / 1e6,
                    2L * len * v * 4 / (1 << 20));
        }
    }

    /** {@code VmHWM} (peak resident set) of this process in KiB. */
    private static long highWaterKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
