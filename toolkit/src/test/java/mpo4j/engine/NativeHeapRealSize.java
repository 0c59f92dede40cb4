package mpo4j.engine;

/**
 * Runs the real-size bench step ({@code ./mpo4j bench --real}'s entry point, several GiB, minutes) under
 * one {@link NativeHeap} policy, by hand: arguments {@code glibc|fixed|adaptive steps}.
 */
public final class NativeHeapRealSize {
    private NativeHeapRealSize() {}

    public static void main(String[] args) {
        NativeHeap.policy = NativeHeap.Policy.valueOf(args[0].toUpperCase(java.util.Locale.ROOT));
        System.out.println(mpo4j.bench.Benchmark.json(mpo4j.bench.Benchmark.runRealSize(1, Integer.parseInt(args[1]), System.err)));
        System.err.println("NativeHeap: policy " + NativeHeap.policy + ", threshold fixed: " + NativeHeap.thresholdFixed());
        System.exit(0);
    }
}
