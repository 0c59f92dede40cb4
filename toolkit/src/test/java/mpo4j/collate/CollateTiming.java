package mpo4j.collate;

import java.util.ArrayList;
import java.util.List;
import mpo4j.data.Dataset;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.text.Tokenizer;
import mpo4j.engine.Mpo4jEngine;

/**
 * Not a unit test: times collating 1,000 sample pairs (images included) in batches of 8 with the
 * tiny-model settings. Run from the repo root with the test class path:
 * {@code java -cp toolkit/target/test-classes:toolkit/target/classes:$(cat cp.txt) mpo4j.collate.CollateTiming [threads]}
 */
public final class CollateTiming {
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        mpo4j.engine.Mpo4jEngine.ensureOffline();
        Dataset<PreferencePair> data = Datasets.load("datasets-sample/shapes/meta.json").seed(42);
        List<PreferencePair> pairs = new ArrayList<>();
        while (pairs.size() < 1000) {
            pairs.addAll(data.toList().subList(0, Math.min(data.size(), 1000 - pairs.size())));
        }
        long images = pairs.stream().mapToLong(p -> p.images().size()).sum();
        try (Tokenizer tok = Tokenizer.load(java.nio.file.Path.of("datasets-sample/tokenizer"))) {
            InternVlCollator collator = InternVlCollator.of(tok).tileSize(64).tokensPerTile(16).maxTiles(6).maxSeqLength(2048).threads(threads);
            for (int warm = 0; warm < 3; warm++) {
                collator.collate(pairs.subList(0, 64));
            }
            var bean = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = bean.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            long tiles = 0, tokens = 0;
            for (int i = 0; i < pairs.size(); i += 8) {
                PreferenceBatch b = collator.collate(pairs.subList(i, Math.min(pairs.size(), i + 8)));
                tiles += b.tiles();
                tokens += b.chosen().inputIds().length + b.rejected().inputIds().length;
            }
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (bean.getCurrentThreadCpuTime() - cpu0) / 1e9; // the calling thread only: meaningful for 1 thread
            System.out.printf("collated %d pairs (%d images, %d tiles, %d padded tokens) in batches of 8 with %d thread(s): "
                    + "wall %.2f s (%.2f ms/pair), caller CPU %.2f s%n", pairs.size(), images, tiles, tokens, threads, s,
                    s * 1000 / pairs.size(), cpu);
        }
    }
}
