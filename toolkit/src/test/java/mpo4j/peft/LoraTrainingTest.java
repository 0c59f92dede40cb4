package mpo4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.model.TokenIds;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.text.Labels;
import mpo4j.train.TrainListener;
import mpo4j.train.TrainLoop;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unchanged preference trainer on a LoRA-wrapped model: only adapters move, the reference is the base. */
class LoraTrainingTest {
    static final TinyVlmConfig CONFIG = TinyModels.small().textOnly();
    static final LoraConfig LORA = LoraConfig.defaults().targetModules("q_proj", "v_proj", "down_proj").r(4).loraAlpha(8);

    @TempDir
    Path tmp;

    @Test
    void mpoTrainsOnlyTheAdaptersAgainstTheBaseAsReference() {
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build(); LoraModel lora = LoraModel.wrap(base, LORA)) {
            Map<String, float[]> before = snapshot(base);
            TrainRun run = trainer(lora).maxSteps(3).fit();
            Map<String, Double> first = run.trainRows().get(0);
            // step 1: adapters are zero, so policy = reference and every implicit reward is 0
            assertEquals(0.0, first.get("rewards/chosen"), 1e-6);
            assertEquals(0.0, first.get("rewards/margins"), 1e-6);
            // later steps: the adapters moved, the reference (base with adapters off) did not
            assertTrue(Math.abs(run.trainRows().get(2).get("rewards/chosen")) > 0, run.trainRows().get(2).toString());
            before.forEach((name, values) -> assertArrayEquals(values, base.parameters().get(name).getArray().toFloatArray(),
                    name + " is frozen"));
            for (LoraLayer layer : lora.adapters().values()) {
                float[] b = layer.loraB().getArray().toFloatArray();
                assertTrue(Arrays.stream(toDoubles(b)).anyMatch(v -> v != 0), layer + ": B was trained");
            }
        }
    }

    /**
     * Nothing accumulates on long-lived managers from step to step, and frozen weights never get a
     * gradient: after every step the base model's manager holds its parameters and the adapters' A and B
     * (the adapters' manager is its child), and the count of every live NDArray is the same after steps
     * 1, 2 and 3 (AdamW's two moments per adapter matrix are made in step 1).
     */
    @Test
    void stepsLeaveNoArraysBehindAndFrozenWeightsHaveNoGradient() {
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build(); LoraModel lora = LoraModel.wrap(base, LORA);
             NDManager probe = NDManager.newBaseManager()) {
            BaseNDManager all = (BaseNDManager) probe.getParentManager();
            int modelArrays = base.parameters().size() + 2 * lora.adapters().size();
            assertEquals(modelArrays, ((BaseNDManager) base.manager()).getManagedArrays().size(), "before training");
            List<int[]> live = new ArrayList<>();
            TrainListener counter = new TrainListener() {
                @Override
                public void onStep(Progress p) {
                    live.add(new int[] {((BaseNDManager) base.manager()).getManagedArrays().size(), all.getManagedArrays().size()});
                }
            };
            trainer(lora).maxSteps(3).gradAccum(2).listener(counter).fit();
            for (int[] step : live) {
                assertEquals(modelArrays, step[0], "arrays on the model's managers after a step");
            }
            assertEquals(live.get(0)[1], live.get(1)[1], "live arrays after step 1 and 2");
            assertEquals(live.get(0)[1], live.get(2)[1], "live arrays after step 1 and 3");
            base.parameters().forEach((name, p) -> {
                assertFalse(p.getArray().hasGradient(), name + " requires no gradient");
                assertNull(JniUtils.getGradient((PtNDArray) p.getArray()), name + " has no gradient array");
            });
            for (LoraLayer layer : lora.adapters().values()) {
                try (PtNDArray grad = JniUtils.getGradient((PtNDArray) layer.loraB().getArray())) {
                    assertNotNull(grad, layer + ": lora_B has a gradient");
                }
            }
        }
    }

    /** Checkpoints hold PEFT adapter folders; a resumed run continues with the same numbers. */
    @Test
    void resumeFromAnAdapterCheckpointRepeatsTheRun() throws Exception {
        Path out = tmp.resolve("run");
        List<Map<String, Double>> straight;
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build(); LoraModel lora = LoraModel.wrap(base, LORA)) {
            straight = TrainLoop.withoutTiming(trainer(lora).maxSteps(4).output(out).saveEvery(2).fit().log().rows());
        }
        assertTrue(Files.isRegularFile(out.resolve("checkpoint-2/model/adapter_config.json")), "the checkpoint's model is an adapter folder");
        assertTrue(Files.isRegularFile(out.resolve("reference/adapter_model.safetensors")), "the reference saves as the adapter folder");
        // other adapter start values (seed 99): the checkpoint must overwrite them
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build(); LoraModel lora = LoraModel.wrap(base, LORA, 99)) {
            List<Map<String, Double>> resumed = TrainLoop.withoutTiming(trainer(lora).maxSteps(4).output(out).saveEvery(2)
                    .resume(out.resolve("checkpoint-2")).log().rows());
            assertEquals(straight, resumed);
        }
    }

    static PreferenceTrainer trainer(LoraModel model) {
        return PreferenceTrainer.of(model).loss(PreferenceLoss.mpo()).data(pairs(8)).collator(LoraTrainingTest::collate)
                .batchSize(2).lr(1e-2).epochs(1).seed(42).progressBar(false);
    }

    private static Map<String, float[]> snapshot(TinyVlm model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> out.put(name, p.getArray().toFloatArray()));
        return out;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /** "what is a+b?" with the right sum chosen and a wrong one rejected. */
    static List<PreferencePair> pairs(int n) {
        Random r = new Random(1);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int a = r.nextInt(10);
            int b = r.nextInt(10);
            out.add(PreferencePair.of("what is " + a + "+" + b + "?", Integer.toString(a + b), Integer.toString(a + b + 1),
                    List.of(), new Source("pairs.jsonl", i + 1)));
        }
        return out;
    }

    /** One token per character; the answer and end-of-sequence are the labelled completion. */
    static PreferenceBatch collate(List<PreferencePair> pairs) {
        TokenIds ids = CONFIG.tokens();
        SequenceBatch chosen = rows(pairs, pairs.stream().map(PreferencePair::chosen).toList(), ids);
        SequenceBatch rejected = rows(pairs, pairs.stream().map(PreferencePair::rejected).toList(), ids);
        return new PreferenceBatch(chosen, rejected, new float[0], 0, 1, new int[0], new int[pairs.size() + 1],
                pairs.stream().map(PreferencePair::source).toList(), null, null);
    }

    private static SequenceBatch rows(List<PreferencePair> pairs, List<String> answers, TokenIds ids) {
        int n = pairs.size();
        int[] lengths = new int[n];
        for (int p = 0; p < n; p++) {
            lengths[p] = pairs.get(p).question().length() + answers.get(p).length() + 1;
        }
        int width = Arrays.stream(lengths).max().orElse(1);
        long[] input = new long[n * width];
        long[] labels = new long[n * width];
        Arrays.fill(input, ids.pad());
        Arrays.fill(labels, Labels.IGNORE);
        for (int p = 0; p < n; p++) {
            String prompt = pairs.get(p).question();
            String answer = answers.get(p);
            for (int t = 0; t < prompt.length(); t++) {
                input[p * width + t] = 10 + prompt.charAt(t);
            }
            for (int t = 0; t <= answer.length(); t++) {
                long token = t == answer.length() ? ids.eos() : 10 + answer.charAt(t);
                input[p * width + prompt.length() + t] = token;
                labels[p * width + prompt.length() + t] = token;
            }
        }
        return new SequenceBatch(n, width, input, labels, lengths, ids.pad());
    }
}
