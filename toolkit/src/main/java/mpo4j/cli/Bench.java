package mpo4j.cli;

import java.util.Map;
import mpo4j.bench.BenchOptions;
import mpo4j.bench.Benchmark;

/**
 * {@code ./mpo4j bench [--quick] [--steps N] [--variant-steps N] [--warmup N] [--memory-steps N] [--tokenizer DIR]}:
 * runs the benchmark of {@code docs/bench.md}, logs progress to stderr and prints one JSON
 * object on the last line of stdout.
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("mpo4j bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.err.println("mpo4j bench: " + options);
        Map<String, Object> result = Benchmark.run(options, System.err);
        System.out.println(Benchmark.json(result));
        System.exit(0);   // DJL's native threads must not keep the JVM alive
    }
}
