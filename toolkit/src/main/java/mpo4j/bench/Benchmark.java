package mpo4j.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Dataset;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Tokenizer;
import mpo4j.train.TrainListener;
import mpo4j.preference.Reference;
import mpo4j.model.TokenIds;

/**
 * The benchmark behind {@code ./mpo4j bench}: the fixed configuration of {@code docs/bench.md}
 * (tiny VLM, 8 pairs of 2+1 tiles, prompt 24 / chosen 40 / rejected 32 tokens, MPO β 0.1, AdamW lr
 * 1e-4, float32 on all cores), run through the real collator and the trainer's step. Phases:
 * GEMM peak → collation throughput (raw JSONL + PNG → batch) → reference step → duplicate vision →
 * precomputed reference → memory (1-pair batch, RSS).
 */
public final class Benchmark {
    static final double BETA = 0.1;
    static final double LR = 1e-4;

    private Benchmark() {}

    /** Runs every phase, logging progress to {@code log}; returns the report ({@link #report}). */
    /**
     * The real-size configuration alone ({@link RealSizeStep}): {@code warmup} untimed and {@code steps}
     * timed MPO steps; {@code real_step_ms}, {@code real_peak_rss_mb}, parameter counts.
     */
    public static Map<String, Object> runRealSize(int warmup, int steps, PrintStream progress) {
        Mpo4jEngine.ensureOffline();
        return RealSizeStep.run(warmup, steps, withElapsedTime(progress));
    }

    public static Map<String, Object> run(BenchOptions options, PrintStream progress) {
        PrintStream log = withElapsedTime(progress);
        Mpo4jEngine.ensureOffline();
        int cores = Runtime.getRuntime().availableProcessors();
        // Intra-op threads = cores unless the user chose otherwise (libtorch may default to physical cores only).
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(cores));
        }
        Measurements.Builder m = new Measurements.Builder();
        Path dir = null;
        try (NDManager root = NDManager.newBaseManager(); Tokenizer tokenizer = Tokenizer.load(options.tokenizer())) {
            m.cores = cores;
            m.torchThreads = JniUtils.getNumThreads();
            m.torchInteropThreads = JniUtils.getNumInteropThreads();
            m.loadStart = Memory.loadAverage();

            log.println("bench: GEMM peak " + Arrays.toString(options.gemmSizes()));
            m.gemmGflops = GemmPeak.measure(root, options.gemmSizes(), 5);

            SyntheticPairs.BatchShape shape = SyntheticPairs.BatchShape.reference();
            TinyVlmConfig config = TinyVlmConfig.tinyVlm().withTokenizerIds(new TokenIds((int) tokenizer.imageContextId(),
                    (int) tokenizer.imageStartId(), (int) tokenizer.imageEndId(), (int) tokenizer.padId(), (int) tokenizer.imEndId()));
            InternVlCollator collator = benchCollator(tokenizer, config, shape);
            dir = Files.createTempDirectory("mpo4j-bench");
            log.println("bench: writing " + options.collatePairs() + " synthetic pairs to " + dir);
            Path jsonl = SyntheticPairs.write(dir, options.collatePairs(), shape, collator, 42);
            List<PreferencePair> batchPairs = Datasets.mmprAnnotation(jsonl).take(shape.pairs()).toList();
            m.pairs = shape.pairs();
            PreferenceBatch batch = collator.collate(batchPairs);
            m.rowLengths = checkShape(batch, shape, config.tokensPerTile());
            int tiles = shape.pairs() * shape.tilesPerPair();
            m.flops = FlopCount.forward(config, m.rowLengths, tiles);
            int[] packedRows = BatchCounts.promptOnceRowLengths(batch);
            m.decoderTokens = Arrays.stream(packedRows).sum();
            m.executedFlops = FlopCount.executed(config, packedRows, BatchCounts.scoredPositions(batch), tiles);

            log.println("bench: collation throughput");
            m.collateSingle = collateThroughput(jsonl, collator.threads(1), shape.pairs());
            m.collateThreads = cores;
            m.collateParallel = collateThroughput(jsonl, collator.threads(cores), shape.pairs());

            PreferenceLoss mpo = PreferenceLoss.mpo().beta(BETA);
            try (TinyVlm policy = TinyVlm.builder(config).seed(42).build()) {
                m.parameters = policy.parameterCount();
                log.println("bench: MPO step (vision once, frozen reference), " + options.steps() + " steps");
                m.stepMs = steps(policy, true, true, Reference.FROZEN_COPY, mpo, batchPairs, collator, options.warmupSteps(), options.steps(), log);
                log.println("bench: duplicate vision, " + options.variantSteps() + " steps");
                m.duplicateVisionMs = steps(policy, false, false, Reference.FROZEN_COPY, mpo, batchPairs, collator,
                        options.warmupSteps(), options.variantSteps(), log);
                log.println("bench: prompt in each row (no pair packing), " + options.variantSteps() + " steps");
                m.promptPerRowMs = steps(policy, true, false, Reference.FROZEN_COPY, mpo, batchPairs, collator,
                        options.warmupSteps(), options.variantSteps(), log);
                log.println("bench: precomputed reference, " + options.variantSteps() + " steps");
                m.precomputedRefMs = steps(policy, true, true, Reference.PRECOMPUTED, mpo, batchPairs, collator,
                        options.warmupSteps(), options.variantSteps(), log);
                log.println("bench: memory, " + options.memorySteps() + " steps of a 1-pair batch");
                memory(policy, mpo, batchPairs.subList(0, 1), collator, options, m, log);
            }
            m.loadEnd = Memory.loadAverage();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
        return report(m.build());
    }

    /** Prefixes every line with the seconds since the benchmark started. */
    private static PrintStream withElapsedTime(PrintStream out) {
        long started = System.nanoTime();
        return new PrintStream(new java.io.OutputStream() {
            private boolean lineStart = true;

            @Override
            public void write(int b) {
                if (lineStart) {
                    out.print(String.format("[%6.1f s] ", (System.nanoTime() - started) / 1e9));
                }
                out.write(b);
                lineStart = b == '\n';
            }
        }, true);
    }

    /** The collator of the configuration: tiny-model tiles, a {@code cols × 1} grid at most, thumbnail on. */
    static InternVlCollator benchCollator(Tokenizer tokenizer, TinyVlmConfig config, SyntheticPairs.BatchShape shape) {
        return InternVlCollator.of(tokenizer).tileSize(config.vision().tileSize()).tokensPerTile(config.tokensPerTile())
                .maxTiles(shape.gridColumns()).thumbnail(true);
    }

    /** The report keys, in order, derived from the raw measurements. */
    public static Map<String, Object> report(Measurements m) {
        Map<String, Object> out = new LinkedHashMap<>();
        double stepMs = Stats.median(m.stepMs());
        double stepS = stepMs / 1000;
        double stepFlops = m.flops().mpoStep(true);
        long tokens = Arrays.stream(m.rowLengths()).sum();
        out.put("cores", m.cores());
        out.put("torch_threads", m.torchThreads());
        out.put("torch_interop_threads", m.torchInteropThreads());
        out.put("load_avg_start", m.loadStart());
        out.put("load_avg_end", m.loadEnd());
        out.put("parameters", m.parameters());
        out.put("gemm_gflops", m.gemmGflops());
        out.put("steps", m.stepMs().length);
        out.put("step_ms", stepMs);
        out.put("step_ms_p10", Stats.quantile(m.stepMs(), 0.1));
        out.put("step_ms_p90", Stats.quantile(m.stepMs(), 0.9));
        out.put("step_ms_duplicate_vision", Stats.median(m.duplicateVisionMs()));
        out.put("step_ms_precomputed_ref", Stats.median(m.precomputedRefMs()));
        out.put("step_ms_prompt_per_row", Stats.median(m.promptPerRowMs()));
        // both without pair packing, so this is the vision encoding's share alone
        out.put("vision_once_speedup", Stats.median(m.duplicateVisionMs()) / Stats.median(m.promptPerRowMs()));
        out.put("prompt_once_speedup", Stats.median(m.promptPerRowMs()) / stepMs);
        out.put("precomputed_ref_speedup", stepMs / Stats.median(m.precomputedRefMs()));
        out.put("flops_per_step", stepFlops);
        Map<String, Object> forward = new LinkedHashMap<>();
        forward.put("decoder_linear", m.flops().decoderLinear());
        forward.put("decoder_attention", m.flops().decoderAttention());
        forward.put("lm_head", m.flops().head());
        forward.put("vision", m.flops().vision());
        out.put("flops_forward", forward);
        out.put("flops_method", FlopCount.METHOD);
        out.put("achieved_gflops", stepFlops / stepS / 1e9);
        out.put("mfu", stepFlops / (stepS * m.gemmGflops() * 1e9));
        // what the engine really multiplied: the decoder over one packed row per pair, the head only where a label is scored
        double executed = m.executedFlops().mpoStep(true);
        out.put("decoder_tokens_per_forward", m.decoderTokens());
        out.put("flops_per_step_executed", executed);
        Map<String, Object> executedForward = new LinkedHashMap<>();
        executedForward.put("decoder_linear", m.executedFlops().decoderLinear());
        executedForward.put("decoder_attention", m.executedFlops().decoderAttention());
        executedForward.put("lm_head", m.executedFlops().head());
        executedForward.put("vision", m.executedFlops().vision());
        out.put("flops_forward_executed", executedForward);
        out.put("hfu", executed / (stepS * m.gemmGflops() * 1e9));
        out.put("tokens_per_step", tokens);
        out.put("tokens_per_s", tokens / stepS);
        out.put("pairs_per_s", m.pairs() / stepS);
        out.put("collate_pairs_per_s", m.collateSingle());
        out.put("collate_pairs_per_s_parallel", m.collateParallel());
        out.put("collate_threads_parallel", m.collateThreads());
        out.put("collate_vs_step_ratio", m.collateSingle() / (m.pairs() / stepS));
        out.put("steps_memory", m.memorySteps());
        out.put("rss_mb_start", m.rssStart());
        out.put("rss_mb_step_" + m.memoryFirstAt(), m.rssFirst());
        out.put("rss_mb_end", m.rssEnd());
        out.put("rss_growth_pct", 100 * (m.rssEnd() - m.rssFirst()) / m.rssFirst());
        out.put("heap_mb_step_" + m.memoryFirstAt(), m.heapFirst());
        out.put("heap_mb_end", m.heapEnd());
        if (m.memoryError() != null) {
            out.put("memory_phase_error", m.memoryError());
        }
        return out;
    }

    /** Verifies that the real collator produced the configured batch; returns the real row lengths. */
    static int[] checkShape(PreferenceBatch batch, SyntheticPairs.BatchShape shape, int tokensPerTile) {
        int[] expected = shape.rowLengths(tokensPerTile);
        int[] actual = batch.concatenated().lengths();
        int tiles = shape.pairs() * shape.tilesPerPair();
        if (!Arrays.equals(expected, actual) || batch.tiles() != tiles) {
            throw new IllegalStateException("the synthetic batch does not have the benchmark shape: rows " + Arrays.toString(actual)
                    + " (expected " + Arrays.toString(expected) + "), tiles " + batch.tiles() + " (expected " + tiles + ")");
        }
        return actual;
    }

    /** Pairs per second from the JSONL file (index, parse, image decode, tiling, tokenization) to collated batches. */
    private static double collateThroughput(Path jsonl, InternVlCollator collator, int batchSize) {
        collateAll(jsonl, collator, batchSize);   // warm-up: JIT, tokenizer, image codecs
        long t0 = System.nanoTime();
        int pairs = collateAll(jsonl, collator, batchSize);
        return pairs / ((System.nanoTime() - t0) / 1e9);
    }

    private static int collateAll(Path jsonl, InternVlCollator collator, int batchSize) {
        Dataset<PreferencePair> data = Datasets.mmprAnnotation(jsonl);
        int n = data.size();
        for (int from = 0; from < n; from += batchSize) {
            List<PreferencePair> batch = new ArrayList<>(batchSize);
            for (int i = from; i < Math.min(n, from + batchSize); i++) {
                batch.add(data.get(i));
            }
            collator.collate(batch);
        }
        return n;
    }

    /**
     * Runs {@code warmup + timed} trainer steps and returns the timed steps' wall times in ms, without
     * the time spent collating (the trainer collates each micro-batch inside its step; the collation
     * throughput is reported on its own).
     */
    private static double[] steps(TinyVlm policy, boolean visionOncePerPair, boolean promptOncePerPair, Reference reference, PreferenceLoss loss, List<PreferencePair> pairs,
            InternVlCollator collator, int warmup, int timed, PrintStream log) {
        TimedCollator timedCollator = new TimedCollator(collator::collate);
        double[] ms = new double[timed];
        TrainListener listener = new TrainListener() {
            @Override
            public void onStep(Progress p) {
                double step = p.metrics().get("step_time_ms") - timedCollator.takeMs();
                if (p.step() > warmup) {
                    ms[p.step() - warmup - 1] = step;
                }
                log.printf("  step %d/%d  %.1f ms  loss %.4f%n", p.step(), p.totalSteps(), step, p.metrics().get("loss"));
            }
        };
        TrainerSteps.fit(policy, visionOncePerPair, promptOncePerPair, reference, loss, LR, pairs, timedCollator, warmup + timed, listener);
        return ms;
    }

    private static void memory(TinyVlm policy, PreferenceLoss loss, List<PreferencePair> onePair, InternVlCollator collator,
            BenchOptions options, Measurements.Builder m, PrintStream log) {
        int firstAt = options.memoryFirstAt();
        System.gc();
        m.rssStart = Memory.rssMb();
        m.memorySteps = options.memorySteps();
        m.memoryFirstAt = firstAt;
        TrainListener listener = new TrainListener() {
            @Override
            public void onStep(Progress p) {
                if (p.step() % Math.max(1, p.totalSteps() / 10) == 0 && p.step() != firstAt && p.step() != p.totalSteps()) {
                    log.printf("  memory step %d: RSS %.1f MiB, loss %.4f%n", p.step(), Memory.rssMb(), p.metrics().get("loss"));
                }
                if (p.step() == firstAt || p.step() == p.totalSteps()) {
                    System.gc();   // so the Java heap's own growth does not pass for a native leak
                    double rss = Memory.rssMb();
                    double heap = Memory.heapUsedMb();
                    if (p.step() == firstAt) {
                        m.rssFirst = rss;
                        m.heapFirst = heap;
                    }
                    if (p.step() == p.totalSteps()) {
                        m.rssEnd = rss;
                        m.heapEnd = heap;
                    }
                    log.printf("  memory step %d: RSS %.1f MiB, heap %.1f MiB, loss %.4f%n", p.step(), rss, heap, p.metrics().get("loss"));
                }
            }
        };
        try {
            TrainerSteps.fit(policy, true, true, Reference.FROZEN_COPY, loss, LR, onePair, collator::collate, options.memorySteps(), listener);
        } catch (RuntimeException e) {
            // Reported, not hidden: the other phases' numbers stand, and the JSON says why this one stopped.
            m.memoryError = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.println("  memory phase stopped: " + m.memoryError);
        }
    }

    /** Collates and keeps the wall time spent doing it, for the step timer to subtract. */
    private static final class TimedCollator implements Function<List<PreferencePair>, PreferenceBatch> {
        private final Function<List<PreferencePair>, PreferenceBatch> collate;
        private long nanos;

        TimedCollator(Function<List<PreferencePair>, PreferenceBatch> collate) { this.collate = collate; }

        @Override
        public PreferenceBatch apply(List<PreferencePair> pairs) {
            long t0 = System.nanoTime();
            try {
                return collate.apply(pairs);
            } finally {
                nanos += System.nanoTime() - t0;
            }
        }

        double takeMs() {
            double ms = nanos / 1e6;
            nanos = 0;
            return ms;
        }
    }

    /** The result as one line of JSON, numbers rounded to 4 significant digits (integers kept). */
    public static String json(Map<String, Object> result) {
        return new com.google.gson.GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create()
                .toJson(rounded(result));
    }

    private static Object rounded(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> r = new LinkedHashMap<>();
            m.forEach((k, x) -> r.put(String.valueOf(k), rounded(x)));
            return r;
        }
        if (v instanceof Double d && Double.isFinite(d) && d != Math.rint(d)) {
            return new java.math.BigDecimal(d).round(new java.math.MathContext(4)).doubleValue();
        }
        if (v instanceof Double d && Double.isFinite(d) && Math.abs(d) < 1e15) {
            return d.longValue();
        }
        return v;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
