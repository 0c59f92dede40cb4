package mpo4j.cli;

import java.util.Map;
import mpo4j.bench.BenchOptions;
import mpo4j.bench.Benchmark;

/**
 * {@code ./mpo4j bench [--quick] [--steps N] [--variant-steps N] [--warmup N] [--memory-steps N] [--tokenizer DIR]}:
 * runs the benchmark of {@code docs/bench.md}, logs progress to stderr and prints one JSON
 * object on the last line of stdout. {@code ./mpo4j bench --real [--steps N]} runs the real-size
 * configuration alone (Qwen2.5-0.5B dimensions, LoRA r=16, MPO; several GiB of memory).
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--real")) {
            int steps = args.length == 3 && args[1].equals("--steps") ? Integer.parseInt(args[2]) : 3;
            if (args.length != 1 && args.length != 3 || steps < 1) {
                System.err.println("mpo4j bench: usage: --real [--steps N] (N >= 1)");
                System.exit(2);
            }
            System.out.println(Benchmark.json(Benchmark.runRealSize(1, steps, System.err)));
            System.exit(0);
        }
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
