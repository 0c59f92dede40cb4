package mpo4j.bench;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.hf.HfConfig;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.QwenCausalLm;
import mpo4j.peft.LoraConfig;
import mpo4j.peft.LoraModel;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.text.Labels;
import mpo4j.train.TrainListener;

/**
 * The real-size configuration of the benchmark: a decoder with Qwen2.5-0.5B-Instruct's dimensions
 * (24 layers, hidden 896, 14 heads, 2 key/value heads, intermediate 4864, vocabulary 151,936, tied
 * embeddings; its config.json fields) with random weights made in process, LoRA r=16 (alpha 32) on
 * every linear layer, MPO with a frozen reference (the base model with adapters off, no second copy),
 * float32, one text pair per step: prompt 256 tokens, chosen 128, rejected 96 (rows of 384 and 352).
 *
 * <p>Reported: the median step time over the timed steps, the process's peak resident set size
 * ({@code VmHWM}), and the trainable and total parameter counts.
 */
final class RealSizeStep {
    static final int PROMPT = 256;
    static final int CHOSEN = 128;
    static final int REJECTED = 96;
    static final int RANK = 16;
    /** Square sizes of the GEMM peak that MFU is measured against (the decoder's products are of this order). */
    static final int[] GEMM_SIZES = {1024, 2048};

    private RealSizeStep() {}

    /** Qwen2.5-0.5B-Instruct's config.json (its fields and values). */
    static HfConfig qwen25Config() {
        String json = """
                {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
                 "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
                 "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
                 "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
                 "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
                 "torch_dtype": "float32", "transformers_version": "4.43.1", "use_cache": true,
                 "use_sliding_window": false, "vocab_size": 151936}
                """;
        try {
            return HfConfig.parse("Qwen2.5-0.5B-Instruct config.json", json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code warmup + timed} MPO steps; returns the measurements under their JSON names. */
    static Map<String, Object> run(int warmup, int timed, PrintStream log) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("load_avg_start", Memory.loadAverage());
        double gemmGflops;
        try (NDManager root = NDManager.newBaseManager()) {
            log.println("bench: GEMM peak " + Arrays.toString(GEMM_SIZES));
            gemmGflops = GemmPeak.measure(root, GEMM_SIZES, 5);
        }
        log.println("bench: real-size model (Qwen2.5-0.5B dimensions, random weights)");
        try (QwenCausalLm base = QwenCausalLm.fromConfig(qwen25Config(), 42)) {
            LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().r(RANK).loraAlpha(2 * RANK).targetModulesAllLinear());
            out.put("real_total_params", base.parameterCount());
            out.put("real_trainable_params", lora.parameterCount());
            PreferenceBatch batch = syntheticPair(base.vocabSize(), base.tokens().pad());
            // the seeded initialiser fills each weight from a Java array: hand that heap back before measuring
            System.gc();
            out.put("real_rss_mb_model", Memory.rssMb());
            List<Double> stepMs = new ArrayList<>();
            Map<String, Object> rssPerStep = new LinkedHashMap<>();
            TrainListener timer = new TrainListener() {
                @Override
                public void onStep(Progress p) {
                    double rss = Memory.rssMb();
                    stepMs.add(p.metrics().get("step_time_ms"));
                    rssPerStep.put("real_rss_mb_step_" + p.step(), rss);
                    log.printf("bench: real-size step %d: %.0f ms, rss %.0f MiB, peak %.0f MiB%n", p.step(),
                            p.metrics().get("step_time_ms"), rss, Memory.peakRssMb());
                }
            };
            PreferenceTrainer.of(lora).loss(PreferenceLoss.mpo()).data(List.of(placeholderPair()))
                    .collator(pairs -> batch).batchSize(1).lr(1e-4).constant().maxSteps(warmup + timed).seed(42)
                    .progressBar(false).listener(timer).fit();
            List<Double> counted = stepMs.subList(Math.min(warmup, stepMs.size()), stepMs.size());
            double stepMedian = Stats.median(counted.stream().mapToDouble(Double::doubleValue).toArray());
            out.put("real_step_ms", stepMedian);
            out.put("real_peak_rss_mb", Memory.peakRssMb());
            out.putAll(rssPerStep);
            // counted over what the decoder runs: the pair packed into one row (the prompt once), as the trainer does by default
            long scored = BatchCounts.scoredPositions(batch);
            LoraFlopCount flops = LoraFlopCount.allLinear(base.config(), BatchCounts.promptOnceRowLengths(batch), RANK, scored);
            out.put("real_decoder_tokens", Arrays.stream(BatchCounts.promptOnceRowLengths(batch)).sum());
            out.put("real_flops_per_step", flops.step());
            out.put("real_flops_per_step_two_rows", LoraFlopCount.allLinear(base.config(), batch.concatenated().lengths(), RANK, scored).step());
            Map<String, Object> forward = new LinkedHashMap<>();
            forward.put("base_linear", flops.baseLinear());
            forward.put("adapters", flops.adapters());
            forward.put("attention", flops.attention());
            forward.put("lm_head", flops.head());
            out.put("real_flops_forward", forward);
            out.put("real_flops_method", LoraFlopCount.METHOD);
            out.put("gemm_gflops", gemmGflops);
            out.put("real_achieved_gflops", flops.step() / (stepMedian / 1e3) / 1e9);
            out.put("real_mfu", flops.step() / (stepMedian / 1e3 * gemmGflops * 1e9));
            out.put("real_shape", "1 pair: prompt " + PROMPT + ", chosen " + CHOSEN + ", rejected " + REJECTED
                    + " tokens; LoRA r=" + RANK + " alpha " + 2 * RANK + " on all linear layers; MPO, frozen reference = adapters off; float32");
        }
        out.put("load_avg_end", Memory.loadAverage());
        return out;
    }

    /** Random token ids, labels on the completion tokens only; the chosen and rejected rows share the prompt. */
    static PreferenceBatch syntheticPair(int vocab, long pad) {
        SplittableRandom random = new SplittableRandom(7);
        long[] prompt = random.longs(PROMPT, 0, vocab).toArray();
        return new PreferenceBatch(row(prompt, random.longs(CHOSEN, 0, vocab).toArray(), pad),
                row(prompt, random.longs(REJECTED, 0, vocab).toArray(), pad),
                new float[0], 0, 448, new int[0], new int[] {0, 0}, List.of(placeholderPair().source()), null, null);
    }

    private static SequenceBatch row(long[] prompt, long[] answer, long pad) {
        int len = prompt.length + answer.length;
        long[] ids = Arrays.copyOf(prompt, len);
        System.arraycopy(answer, 0, ids, prompt.length, answer.length);
        long[] labels = new long[len];
        Arrays.fill(labels, 0, prompt.length, Labels.IGNORE);
        System.arraycopy(answer, 0, labels, prompt.length, answer.length);
        return new SequenceBatch(1, len, ids, labels, new int[] {len}, pad);
    }

    /** The trainer iterates over pairs; the collator above ignores them and returns the synthetic batch. */
    private static PreferencePair placeholderPair() {
        return PreferencePair.of("synthetic", "a", "b", List.of(), Source.inline("real-size bench pair"));
    }
}
