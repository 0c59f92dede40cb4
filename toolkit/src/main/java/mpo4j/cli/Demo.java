package mpo4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.Mpo4jEngine;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.Generation;
import mpo4j.model.Vlm;
import mpo4j.model.VlmConfig;
import mpo4j.text.Tokenizer;
import mpo4j.train.PreferenceTrainer;
import mpo4j.train.TrainRun;

/**
 * The main job ({@code ./mpo4j demo}): SFT the tiny VLM on the embedded shapes data, then MPO-train
 * it, and report held-out reward accuracy/margin and exact-answer accuracy (greedy generation)
 * before and after MPO. Everything is written under {@code runs/demo/} (checkpoints, metrics,
 * curve PNGs, {@code summary.json}).
 *
 * <pre>
 *   ./mpo4j demo [--out runs/demo] [--data datasets-sample] [--sft-epochs 2] [--mpo-epochs 1] [--seed 42]
 *                [--train-limit N] [--eval-limit N]
 * </pre>
 */
public final class Demo {
    private Demo() {}

    /** Settings of one demo run. */
    record Options(Path out, Path data, int sftEpochs, int mpoEpochs, long seed, int evalLimit, int trainLimit) {
        static Options parse(String[] args) {
            Options o = new Options(Path.of("runs/demo"), Path.of("datasets-sample"), 2, 1, 42, Integer.MAX_VALUE, Integer.MAX_VALUE);
            for (int i = 0; i < args.length; i++) {
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--out" -> o = new Options(Path.of(need(args[i], v)), o.data, o.sftEpochs, o.mpoEpochs, o.seed, o.evalLimit, o.trainLimit);
                    case "--data" -> o = new Options(o.out, Path.of(need(args[i], v)), o.sftEpochs, o.mpoEpochs, o.seed, o.evalLimit, o.trainLimit);
                    case "--sft-epochs" -> o = new Options(o.out, o.data, Integer.parseInt(need(args[i], v)), o.mpoEpochs, o.seed, o.evalLimit, o.trainLimit);
                    case "--mpo-epochs" -> o = new Options(o.out, o.data, o.sftEpochs, Integer.parseInt(need(args[i], v)), o.seed, o.evalLimit, o.trainLimit);
                    case "--seed" -> o = new Options(o.out, o.data, o.sftEpochs, o.mpoEpochs, Long.parseLong(need(args[i], v)), o.evalLimit, o.trainLimit);
                    case "--eval-limit" -> o = new Options(o.out, o.data, o.sftEpochs, o.mpoEpochs, o.seed, Integer.parseInt(need(args[i], v)), o.trainLimit);
                    case "--train-limit" -> o = new Options(o.out, o.data, o.sftEpochs, o.mpoEpochs, o.seed, o.evalLimit, Integer.parseInt(need(args[i], v)));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (known: --out, --data, --sft-epochs, --mpo-epochs, --seed, --eval-limit, --train-limit)");
                }
                i++;
            }
            return o;
        }

        private static String need(String flag, String value) {
            if (value == null) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return value;
        }
    }

    public static void main(String[] args) throws IOException {
        Mpo4jEngine.ensureOffline();
        Map<String, Object> summary = run(Options.parse(args));
        System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(summary));
    }

    static Map<String, Object> run(Options o) throws IOException {
        long t0 = System.nanoTime();
        Tokenizer tokenizer = Tokenizer.load(o.data.resolve("tokenizer"));
        List<PreferencePair> train = Datasets.load(o.data.resolve("shapes/meta.json")).seed(o.seed).shuffle().toList();
        train = train.subList(0, Math.min(train.size(), o.trainLimit));
        List<PreferencePair> eval = Datasets.load(o.data.resolve("shapes/meta_eval.json")).seed(o.seed).toList();
        eval = eval.subList(0, Math.min(eval.size(), o.evalLimit));
        VlmConfig config = VlmConfig.tinyVlm().withTokenizerIds((int) tokenizer.imageContextId(), (int) tokenizer.imageStartId(),
                (int) tokenizer.imageEndId(), (int) tokenizer.padId(), (int) tokenizer.imEndId());
        InternVlCollator collator = InternVlCollator.of(tokenizer).tileSize(config.vision().tileSize())
                .tokensPerTile(config.tokensPerTile()).maxTiles(1).thumbnail(false).maxSeqLength(512).seed(o.seed);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("train_pairs", train.size());
        summary.put("eval_pairs", eval.size());
        Files.createDirectories(o.out);

        try (Vlm model = Vlm.builder(config).seed(o.seed).build()) {
            System.out.printf("SFT: %d pairs (chosen answers), %d epochs%n", train.size(), o.sftEpochs);
            TrainRun sft = PreferenceTrainer.sft(model).data(train).collator(collator).batchSize(16).lr(2e-3).cosine()
                    .warmupRatio(0.05).epochs(o.sftEpochs).seed(o.seed).progressBar(true).fit();
            sft.save(o.out.resolve("sft"));
            summary.put("sft_final_loss", sft.last("loss"));
            double answersSft = answerAccuracy(model, collator, tokenizer, eval);
            summary.put("answer_accuracy_after_sft", answersSft);
            System.out.printf("held-out exact-answer accuracy after SFT: %.3f%n", answersSft);

            PreferenceTrainer mpo = PreferenceTrainer.of(model).loss(PreferenceLoss.mpo()).data(train, eval).collator(collator)
                    .batchSize(8).lr(5e-4).cosine().warmupRatio(0.03).epochs(o.mpoEpochs).seed(o.seed).evalEvery(25);
            Map<String, Double> before = mpo.evaluate();
            Map<String, Double> prefBefore = logpPreference(model, train, eval, collator);
            summary.put("reward_accuracy_before_mpo", before.get("eval/rewards/accuracies"));
            summary.put("reward_margin_before_mpo", before.get("eval/rewards/margins"));
            summary.put("logp_preference_accuracy_before_mpo", prefBefore.get("eval/rewards/accuracies"));
            System.out.printf("MPO: %d pairs, %d epoch(s)%n", train.size(), o.mpoEpochs);
            TrainRun run = mpo.progressBar(true).fit();
            Map<String, Double> after = run.evalRows().get(run.evalRows().size() - 1);   // the final model vs. the SFT reference
            Map<String, Double> prefAfter = logpPreference(model, train, eval, collator);
            summary.put("reward_accuracy_after_mpo", after.get("eval/rewards/accuracies"));
            summary.put("reward_margin_after_mpo", after.get("eval/rewards/margins"));
            summary.put("logp_preference_accuracy_after_mpo", prefAfter.get("eval/rewards/accuracies"));
            double answersMpo = answerAccuracy(model, collator, tokenizer, eval);
            summary.put("answer_accuracy_after_mpo", answersMpo);
            run.save(o.out.resolve("mpo"));
            summary.put("mpo_steps", run.steps());
        }
        summary.put("wall_time_s", (System.nanoTime() - t0) / 1e9);
        Path file = o.out.resolve("summary.json");
        Path tmp = Files.createTempFile(o.out, ".summary", ".tmp");
        Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(summary), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return summary;
    }

    /** Reference-free evaluation: rewards/accuracies = share of pairs with log π(chosen) > log π(rejected). */
    private static Map<String, Double> logpPreference(Vlm model, List<PreferencePair> train, List<PreferencePair> eval,
                                                      InternVlCollator collator) {
        return PreferenceTrainer.of(model).loss(PreferenceLoss.dpo()).referenceFree().data(train, eval).collator(collator)
                .batchSize(16).progressBar(false).evaluate();
    }

    /** Share of held-out pairs whose greedy answer (up to the end token) equals the chosen answer. */
    public static double answerAccuracy(Vlm model, InternVlCollator collator, Tokenizer tokenizer, List<PreferencePair> eval) {
        int correct = 0;
        long eos = model.config().tokens().eos();
        for (PreferencePair pair : eval) {
            PreferenceBatch batch = collator.collate(List.of(pair));
            SequenceBatch chosen = batch.chosen();
            int promptLength = 0;
            while (promptLength < chosen.length() && chosen.label(0, promptLength) == SequenceBatch.IGNORE) {
                promptLength++;
            }
            long[] prompt = new long[promptLength];
            for (int t = 0; t < promptLength; t++) {
                prompt[t] = chosen.inputId(0, t);
            }
            try (NDManager scope = model.manager().newSubManager()) {
                NDArray pixels = batch.pixelValues(scope);
                long[] out = model.generate(prompt, pixels, Generation.greedy(8));
                List<Long> answer = new ArrayList<>();
                for (long id : out) {
                    if (id == eos) {
                        break;
                    }
                    answer.add(id);
                }
                String text = tokenizer.decode(answer.stream().mapToLong(Long::longValue).toArray()).trim();
                if (text.equals(pair.chosen().trim())) {
                    correct++;
                }
            }
        }
        return eval.isEmpty() ? Double.NaN : (double) correct / eval.size();
    }
}
