package mpo4j.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mpo4j.collate.InternVlCollator;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.text.InternVl25Template;
import mpo4j.text.Tokenizer;
import mpo4j.train.TrainListener;

/**
 * Measures one {@link NativeHeap} policy on the demo's model and batches (not a test: a main run by hand,
 * one JVM per variant, because the policy is process-wide): {@code N} SFT or MPO steps of the tiny VLM,
 * batch 8, one 64 px tile per image. Prints one line: the median step time (steps 6 on), the process's
 * user and system CPU seconds during the steps (from {@code /proc/self/stat}), and the resident set
 * after the first and the last step; then the resident set and malloc's counts after each step.
 * Run variants interleaved (A B C A B C) on a busy machine: system CPU time is the robust signal.
 *
 * <p>Arguments: {@code glibc|fixed|adaptive} {@code sft|mpo} {@code steps} {@code dataDir}.
 */
public final class NativeHeapSteps {
    private NativeHeapSteps() {}

    public static void main(String[] args) throws Exception {
        NativeHeap.policy = NativeHeap.Policy.valueOf(args[0].toUpperCase(java.util.Locale.ROOT));
        boolean sft = args[1].equals("sft");
        int steps = Integer.parseInt(args[2]);
        Path data = Path.of(args[3]);
        Mpo4jEngine.ensureOffline();
        List<PreferencePair> train = Datasets.load(data.resolve("shapes/meta.json")).seed(42).toList();
        List<Double> stepMs = new ArrayList<>();
        List<Long> rssMb = new ArrayList<>();
        List<String> heap = new ArrayList<>();
        long[] cpuStart = new long[2];
        TrainListener timer = new TrainListener() {
            @Override
            public void onStep(Progress p) {
                stepMs.add(p.metrics().get("step_time_ms"));
                rssMb.add(NativeHeap.residentKb() / 1024);
                NativeHeap.MallocInfo m = NativeHeap.mallocInfo();
                Runtime r = Runtime.getRuntime();
                heap.add(String.format("%d:%s,arena=%d,free=%d,mmap=%d,java=%d/%d", p.step(), NativeHeap.thresholdFixed() ? "fixed" : "dynamic", m.arena >> 20, m.fordblks >> 20, m.hblkhd >> 20,
                        (r.totalMemory() - r.freeMemory()) >> 20, r.totalMemory() >> 20));
            }
        };
        try (Tokenizer tokenizer = Tokenizer.load(data.resolve("tokenizer"));
             TinyVlm model = TinyVlm.builder(TinyVlmConfig.tinyVlm()).tokenizer(tokenizer).seed(42).build()) {
            InternVlCollator collator = InternVlCollator.forModel(model).maxTiles(1).thumbnail(false).maxSeqLength(512)
                    .template(InternVl25Template.DEFAULT.withoutSystem());
            PreferenceTrainer trainer = sft ? PreferenceTrainer.sft(model) : PreferenceTrainer.of(model).loss(PreferenceLoss.mpo()).precomputedReference();
            trainer = trainer.data(train).collator(collator).batchSize(8).lr(3e-4).cosine().warmupRatio(0.05)
                    .maxSteps(steps).seed(42).progressBar(false).listener(timer);
            long rssStart = NativeHeap.residentKb() / 1024;
            long t = System.nanoTime();
            long live = NativeHeap.liveBytes();
            double firstMs = (System.nanoTime() - t) / 1e6;
            t = System.nanoTime();
            NativeHeap.freeBytes();
            System.out.printf("RSS live native at start %d MiB (mallinfo2 took %.3f ms, then %.3f ms)%n", live >> 20, firstMs, (System.nanoTime() - t) / 1e6);
            long[] before = cpuTicks();
            long t0 = System.nanoTime();
            trainer.fit();
            double wall = (System.nanoTime() - t0) / 1e9;
            long[] after = cpuTicks();
            double[] counted = stepMs.subList(Math.min(5, stepMs.size()), stepMs.size()).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double median = counted.length % 2 == 1 ? counted[counted.length / 2] : (counted[counted.length / 2 - 1] + counted[counted.length / 2]) / 2;
            System.out.printf("RESULT %s %s steps=%d median_ms=%.1f wall_s=%.1f user_s=%.2f sys_s=%.2f rss_start=%d rss_1=%d rss_max=%d rss_last=%d%n",
                    args[0], args[1], steps, median, wall, (after[0] - before[0]) / 100.0,
                    (after[1] - before[1]) / 100.0, rssStart, rssMb.get(0), rssMb.stream().mapToLong(Long::longValue).max().orElse(0),
                    rssMb.get(rssMb.size() - 1));
            System.out.println("RSS " + rssMb);
            System.out.println("RSS malloc " + heap);
        }
        System.exit(0);
    }

    /** utime and stime of this process in clock ticks (fields 14 and 15 of /proc/self/stat; 100 per second on Linux). */
    static long[] cpuTicks() throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");   // f[0] is field 3
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }
}
