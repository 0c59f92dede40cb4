package mpo4j.bench;

/**
 * The raw numbers one benchmark run measured; {@link Benchmark#report} derives the reported keys
 * (medians, speed-ups, MFU, throughput ratios, RSS growth) from them.
 *
 * @param stepMs            timed reference steps (vision once, frozen-copy reference), ms, collation excluded
 * @param duplicateVisionMs timed steps with each pair's tiles encoded twice
 * @param precomputedRefMs  timed steps with precomputed reference log-probs
 * @param promptPerRowMs    timed steps with the prompt computed in each row (no pair packing)
 * @param rowLengths        real lengths of the batch's rows (chosen then rejected)
 * @param flops             model FLOPs of one forward over those rows ({@link FlopCount#forward})
 * @param executedFlops     FLOPs one forward actually multiplies ({@link FlopCount#executed}: packed rows, head at scored positions)
 * @param decoderTokens     real tokens the decoder runs per forward (one packed row per pair)
 * @param memoryFirstAt     memory-phase step whose RSS is the growth baseline
 * @param memoryError       why the memory phase stopped early, or {@code null}
 */
public record Measurements(int cores, int torchThreads, int torchInteropThreads, double loadStart, double loadEnd,
        long parameters, double gemmGflops, int pairs, int[] rowLengths, FlopCount flops, FlopCount executedFlops, long decoderTokens,
        double[] stepMs, double[] duplicateVisionMs, double[] precomputedRefMs, double[] promptPerRowMs,
        double collateSingle, double collateParallel, int collateThreads,
        int memorySteps, int memoryFirstAt, double rssStart, double rssFirst, double rssEnd, double heapFirst, double heapEnd,
        String memoryError) {

    /** Filled phase by phase while the benchmark runs. */
    static final class Builder {
        int cores;
        int torchThreads;
        int torchInteropThreads;
        double loadStart = Double.NaN;
        double loadEnd = Double.NaN;
        long parameters;
        double gemmGflops = Double.NaN;
        int pairs;
        int[] rowLengths = new int[0];
        FlopCount flops = new FlopCount(0, 0, 0, 0);
        FlopCount executedFlops = new FlopCount(0, 0, 0, 0);
        long decoderTokens;
        double[] stepMs = new double[0];
        double[] duplicateVisionMs = new double[0];
        double[] precomputedRefMs = new double[0];
        double[] promptPerRowMs = new double[0];
        double collateSingle = Double.NaN;
        double collateParallel = Double.NaN;
        int collateThreads;
        int memorySteps;
        int memoryFirstAt;
        double rssStart = Double.NaN;
        double rssFirst = Double.NaN;
        double rssEnd = Double.NaN;
        double heapFirst = Double.NaN;
        double heapEnd = Double.NaN;
        String memoryError;

        Measurements build() {
            return new Measurements(cores, torchThreads, torchInteropThreads, loadStart, loadEnd, parameters, gemmGflops, pairs,
                    rowLengths, flops, executedFlops, decoderTokens, stepMs, duplicateVisionMs, precomputedRefMs, promptPerRowMs, collateSingle, collateParallel, collateThreads,
                    memorySteps, memoryFirstAt, rssStart, rssFirst, rssEnd, heapFirst, heapEnd, memoryError);
        }
    }
}
