package mpo4j.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.loss.BcoDelta;
import mpo4j.loss.LossResult;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.loss.SequenceLogps;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Tokenizer;
import mpo4j.train.AdamW;
import mpo4j.train.Grads;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.model.TokenIds;

/**
 * Not a unit test: splits one MPO step of the benchmark batch into its parts (best of N) to find
 * where the time goes. {@code java -cp toolkit/target/test-classes:toolkit/target/classes:$(cat toolkit/target/classpath.txt) mpo4j.bench.StepProfile [reps]}
 */
public final class StepProfile {
    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        mpo4j.engine.Mpo4jEngine.ensureOffline();
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        Path dir = Files.createTempDirectory("mpo4j-profile");
        try (Tokenizer tok = Tokenizer.load(Path.of("datasets-sample/tokenizer"))) {
            SyntheticPairs.BatchShape shape = SyntheticPairs.BatchShape.reference();
            TinyVlmConfig config = TinyVlmConfig.tinyVlm().withTokenizerIds(new TokenIds((int) tok.imageContextId(),
                    (int) tok.imageStartId(), (int) tok.imageEndId(), (int) tok.padId(), (int) tok.imEndId()));
            InternVlCollator collator = Benchmark.benchCollator(tok, config, shape);
            List<PreferencePair> pairs = Datasets.mmprAnnotation(SyntheticPairs.write(dir, 8, shape, collator, 42)).toList();
            PreferenceBatch batch = collator.collate(pairs);
            PreferenceLoss loss = PreferenceLoss.mpo();
            Map<String, Double> best = new LinkedHashMap<>();
            try (TinyVlm policy = TinyVlm.builder(config).seed(42).build(); TinyVlm frozen = policy.frozenCopy(); AdamW adam = new AdamW(0.9, 0.999, 1e-8, 0);
                 NDManager root = NDManager.newBaseManager()) {
                Map<String, NDArray> params = new LinkedHashMap<>();
                policy.parameters().forEach((k, p) -> params.put(k, p.getArray()));
                BcoDelta delta = new BcoDelta();
                for (int r = 0; r < reps + 1; r++) {
                    Map<String, Double> t = new LinkedHashMap<>();
                    long t0 = System.nanoTime();
                    Grads.zero(params.values());
                    t0 = lap(t, "zero_grad", t0);
                    try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray hidden = policy.hidden(batch.concatenated().tokens(), batch.images(scope), scope);
                        t0 = lap(t, "policy_hidden", t0);
                        NDArray logits = policy.logits(hidden);
                        t0 = lap(t, "policy_head", t0);
                        SequenceLogps lp = SequenceLogps.fromLogits(logits, batch.concatenated(), false);
                        t0 = lap(t, "logps", t0);
                        ReferenceLogps ref;
                        try (NDManager s = scope.newSubManager()) {
                            ref = ReferenceLogps.from(SequenceLogps.fromLogits(frozen.forward(batch.concatenated().tokens(), batch.images(s), s).stopGradient(), batch.concatenated(), false));
                        }
                        t0 = lap(t, "reference", t0);
                        LossResult res = loss.compute(lp, ref, delta);
                        t0 = lap(t, "loss", t0);
                        gc.backward(res.loss());
                        t0 = lap(t, "backward", t0);
                    }
                    t0 = lap(t, "close_scope", t0);
                    Grads.clipGlobalNorm(params.values(), 1.0, root);
                    t0 = lap(t, "clip", t0);
                    adam.update(params, 1e-4);
                    lap(t, "adamw", t0);
                    if (r > 0) {
                        t.forEach((k, v) -> best.merge(k, v, Math::min));
                    }
                }
            }
            double total = best.values().stream().mapToDouble(Double::doubleValue).sum();
            best.forEach((k, v) -> System.out.printf("%-14s %8.1f ms  %5.1f%%%n", k, v, 100 * v / total));
            System.out.printf("%-14s %8.1f ms   load %.1f%n", "sum of best", total, Memory.loadAverage());
        }
    }

    private static long lap(Map<String, Double> t, String name, long t0) {
        long now = System.nanoTime();
        t.put(name, (now - t0) / 1e6);
        return now;
    }
}
