package mpo4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import mpo4j.data.RewardPair;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardTrainerTest {
    static Tokenizer tok;

    @BeforeAll
    static void setUp() {
        tok = TinyRewardModels.tokenizer();
    }

    @AfterAll
    static void tearDown() {
        tok.close();
    }

    /**
     * The sample's text-only colour-mixing questions ({@code shapes/annotations/text.jsonl} and
     * {@code eval_text.jsonl}) as reward pairs: the right answer goes to input 0 (label A) on even
     * lines and to input 1 (label B) on odd lines.
     */
    static List<RewardPair> colourMixing(String file) throws Exception {
        Path path = Path.of("..", "datasets-sample", "shapes", "annotations", file);
        List<String> lines = Files.readAllLines(path);
        List<RewardPair> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
            String q = o.get("question").getAsString();
            if (!q.contains("mixing")) {
                continue;
            }
            String c = o.get("chosen").getAsString(), r = o.get("rejected").getAsString();
            out.add(i % 2 == 0 ? TinyRewardModels.text(q, c, r, "A", i + 1) : TinyRewardModels.text(q, r, c, "B", i + 1));
        }
        return out;
    }

    static RewardModel textOnlyModel(int width, int layers, long seed) {
        TinyVlmConfig config = TinyRewardModels.config(width, layers).textOnly();
        return RewardModel.builder(TinyVlm.builder(config).seed(seed).build()).tokenizer(tok).seed(seed).build();
    }

    @Test
    void evaluationWritesOneJsonLinePerPairTiesIncludedWithTheModelsScores(@TempDir Path dir) throws Exception {
        List<RewardPair> train = colourMixing("text.jsonl").subList(0, 6);
        List<RewardPair> heldOut = new ArrayList<>(colourMixing("eval_text.jsonl").subList(0, 4));
        heldOut.add(TinyRewardModels.text("What color do you get by mixing red and blue?", "green", "orange", "C", 99));
        try (RewardModel rm = textOnlyModel(32, 1, 3)) {
            RewardRun run = RewardTrainer.of(rm).loss("sigmoid").data(train).eval(heldOut).batchSize(3).lr(1e-3).constant()
                    .maxSteps(2).evalEvery(2).output(dir).progressBar(false).fit();
            assertEquals(2, run.steps());
            assertEquals(1, run.evaluations().size(), "evaluated at step 2 only (the last step was evaluated already)");
            Path file = dir.resolve("evals").resolve("eval_results_2.jsonl");
            List<String> lines = Files.readAllLines(file);
            assertEquals(5, lines.size());
            List<RewardModel.PairScores> now = rm.scoreAll(heldOut);
            int decided = 0, correct = 0;
            double chosen = 0;
            for (int i = 0; i < lines.size(); i++) {
                JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
                assertEquals(List.of("info", "scores0", "scores1", "source"), List.copyOf(o.keySet()));
                String label = o.getAsJsonObject("info").get("preference").getAsString();
                assertEquals(heldOut.get(i).labels().get("preference"), label);
                double s0 = o.getAsJsonObject("scores0").get("preference").getAsDouble();
                double s1 = o.getAsJsonObject("scores1").get("preference").getAsDouble();
                assertEquals(now.get(i).score0(), s0, 1e-6);
                assertEquals(now.get(i).score1(), s1, 1e-6);
                assertTrue(s0 > 0 && s0 < 1 && s1 > 0 && s1 < 1);
                if (!label.equals("C")) {
                    decided++;
                    double c = label.equals("A") ? s0 : s1, r = label.equals("A") ? s1 : s0;
                    correct += c > r ? 1 : 0;
                    chosen += c;
                }
            }
            assertEquals("C", JsonParser.parseString(lines.get(4)).getAsJsonObject().getAsJsonObject("info").get("preference").getAsString());
            RewardEvaluation e = run.lastEvaluation();
            assertEquals(4, e.head("preference").decidedPairs());
            assertEquals(1, e.head("preference").ties());
            assertEquals(correct / (double) decided, e.accuracy("preference"), 1e-12);
            assertEquals(chosen / decided, e.head("preference").meanChosen(), 1e-6);
            try (Stream<Path> files = Files.list(dir.resolve("evals"))) {
                assertEquals(List.of(file), files.toList(), "no temp files left");
            }
            // the run's log: per-step metrics with moving averages, eval rows, and the standard curves
            assertEquals(2, run.train().trainRows().size());
            assertTrue(run.train().trainRows().get(1).containsKey("preference_acc_ma"));
            java.util.Map<String, Double> evalRow = run.train().evalRows().get(0);
            assertEquals(e.accuracy("preference"), evalRow.get("eval/preference_acc"), 1e-12, "eval rows are exact over all pairs");
            assertEquals(e.head("preference").meanRejected(), evalRow.get("eval/preference_reject_reward"), 1e-6);
            assertTrue(run.curves().names().containsAll(List.of("rewards", "margins", "accuracies", "loss")));
            // a saved reward run holds its evaluations in the same all-or-nothing folder, and can be saved again
            Path saved = run.save(dir.resolve("saved"));
            run.save(saved);
            try (Stream<Path> names = Files.list(saved)) {
                assertEquals(List.of("evals", "metrics.csv", "metrics.jsonl", "model", "plots"),
                        names.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertEquals(lines, Files.readAllLines(saved.resolve("evals").resolve("eval_results_2.jsonl")));
        }
    }

    @Test
    void resumingFromACheckpointContinuesExactlyIncludingTheMovingAverages(@TempDir Path dir) throws Exception {
        List<RewardPair> train = colourMixing("text.jsonl").subList(0, 8);
        List<java.util.Map<String, Double>> full;
        try (RewardModel rm = textOnlyModel(32, 1, 3)) {
            full = RewardTrainer.of(rm).data(train).batchSize(2).lr(1e-2).constant().maxSteps(4).saveEvery(2).output(dir)
                    .progressBar(false).fit().train().trainRows();
        }
        assertTrue(Files.exists(dir.resolve("checkpoint-2").resolve("model").resolve("reward_heads.safetensors")));
        assertTrue(Files.readString(dir.resolve("checkpoint-2").resolve("trainer_state.json")).contains("ma/loss"));
        try (RewardModel rm = textOnlyModel(32, 1, 77)) {   // other initial weights: the checkpoint must replace them all
            List<java.util.Map<String, Double>> resumed = RewardTrainer.of(rm).data(train).batchSize(2).lr(1e-2).constant().maxSteps(4)
                    .progressBar(false).resume(dir.resolve("checkpoint-2")).train().trainRows();
            assertEquals(4, resumed.size());
            for (int i = 0; i < 4; i++) {
                for (String k : List.of("loss", "preference_acc", "loss_ma", "preference_chosen_reward_ma", "grad_norm")) {
                    assertEquals(full.get(i).get(k), resumed.get(i).get(k), 1e-6, k + " at step " + (i + 1));
                }
            }
        }
    }

    @Test
    void missingDataOrCollatorOrUnknownLossFailsClearly() {
        try (RewardModel rm = textOnlyModel(32, 1, 3)) {
            assertEquals("no training pairs: call data(...) with at least one reward pair",
                    assertThrows(IllegalArgumentException.class, () -> RewardTrainer.of(rm).fit()).getMessage());
            assertEquals("unknown reward loss 'bt'; valid reward losses: sigmoid, logexp, hps",
                    assertThrows(IllegalArgumentException.class, () -> RewardTrainer.of(rm).loss("bt")).getMessage());
            RewardModel bare = rm.withCollator(null);
            assertTrue(assertThrows(IllegalStateException.class,
                    () -> RewardTrainer.of(bare).data(List.of(TinyRewardModels.text("q", "a", "b", "A", 1))).fit()).getMessage()
                    .startsWith("no collator"));
        }
    }

    /**
     * Learning, text-only so it stays fast. The sample's colour-mixing questions ({@code text.jsonl}: 120,
     * {@code eval_text.jsonl}: 20 held-out lines) with a response-level preference between the right
     * colour and a refusal ("I am not sure."), placed as input 0 or 1 alternately. The preferred kind is
     * the one the untrained model ranks lower, so a 1-layer width-32 model from scratch starts at 0 and
     * must reverse its ranking on the held-out prompts.
     *
     * <p>The question-conditioned task (right colour vs wrong colour) and the full vision reward data do
     * not get above chance from a random backbone; {@link SampleRewardLearningTest} trains on them from an
     * SFT backbone. This test checks quickly that the trainer, the heads and the evaluation learn and
     * generalise at all.
     */
    @Test
    void learnsAResponseLevelPreferenceAndRanksHeldOutPromptsCorrectly() throws Exception {
        try (RewardModel rm = textOnlyModel(32, 1, 11)) {
            // Prefer whichever side the untrained model ranks lower, so training has to reverse its ranking.
            boolean preferRefusal = rm.evaluate(refusals(colourMixing("eval_text.jsonl"), false)).accuracy("preference") > 0.5;
            List<RewardPair> train = refusals(colourMixing("text.jsonl"), preferRefusal);
            List<RewardPair> heldOut = refusals(colourMixing("eval_text.jsonl"), preferRefusal);
            double before = rm.evaluate(heldOut).accuracy("preference");
            assertTrue(before < 0.5, "the untrained model must start on the wrong side, got " + before);
            long t0 = System.nanoTime();
            RewardRun run = RewardTrainer.of(rm).loss("sigmoid").data(train).eval(heldOut).batchSize(8).lr(1e-2).constant()
                    .epochs(Integer.getInteger("rm.epochs", 4)).seed(5).progressBar(false).fit();
            double after = run.lastEvaluation().accuracy("preference");
            System.out.printf("response-level RM: held-out accuracy %.3f -> %.3f, chosen %.3f rejected %.3f, %d steps, %.1f s%n",
                    before, after, run.lastEvaluation().head("preference").meanChosen(),
                    run.lastEvaluation().head("preference").meanRejected(), run.steps(), (System.nanoTime() - t0) / 1e9);
            assertTrue(after >= 0.8, "held-out accuracy " + after + " (before training " + before + ")");
        }
    }

    /**
     * The right answer against a refusal, on the side the pair's label gives the preferred input; with
     * {@code preferRefusal} the refusal is the preferred one.
     */
    static List<RewardPair> refusals(List<RewardPair> pairs, boolean preferRefusal) {
        String refusal = "I am not sure.";
        return pairs.stream().map(p -> {
            boolean first = p.labels().get("preference").equals("A");
            String right = first ? p.response0() : p.response1();
            String preferred = preferRefusal ? refusal : right;
            String other = preferRefusal ? right : refusal;
            return new RewardPair(p.prompt(), first ? preferred : other, first ? other : preferred, p.images(), p.labels(), p.source());
        }).toList();
    }

    /** Issue 13 item 3 on the reward trainer: a truncated PNG passes loading but fails to collate mid-training. */
    @Test
    void aTruncatedImageIsSkippedAndCountedUnderSkipAndStopsTheRunUnderFail(@TempDir Path dir) throws Exception {
        java.awt.image.BufferedImage red = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Path whole = dir.resolve("whole.png");
        javax.imageio.ImageIO.write(red, "png", whole.toFile());
        byte[] png = Files.readAllBytes(whole);
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, java.util.Arrays.copyOf(png, png.length / 2));   // the header survives, the pixels do not
        List<RewardPair> train = new ArrayList<>(colourMixing("text.jsonl").subList(0, 3));
        train.add(new RewardPair(List.of(mpo4j.data.ChatMessage.user("<image>\nWhat colour is this?")), "red", "blue",
                List.of(truncated), java.util.Map.of(RewardModel.DEFAULT_HEAD, "A"), new mpo4j.data.Source("images.jsonl", 7)));
        TinyVlmConfig config = TinyRewardModels.config(32, 1);
        try (RewardModel rm = RewardModel.builder(TinyVlm.builder(config).seed(3).build()).tokenizer(tok).seed(3).build()) {
            RewardTrainer base = RewardTrainer.of(rm).loss("sigmoid").data(train).collator(TinyRewardModels.collator(tok, config))
                    .batchSize(2).lr(1e-3).constant().epochs(1).seed(42).progressBar(false);
            mpo4j.train.TrainingFailedException e = assertThrows(mpo4j.train.TrainingFailedException.class, base::fit);
            assertTrue(e.getMessage().contains(": pair images.jsonl:7: "), e.getMessage());
            assertEquals(e.failedStep() - 1, e.run().steps(), "the run up to the failing step is kept");

            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            java.io.PrintStream before = System.err;
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            RewardRun run;
            try {
                run = base.onError(mpo4j.data.OnError.SKIP).fit();
            } finally {
                System.setErr(before);
            }
            assertEquals(2, run.steps());
            assertEquals(1.0, run.last("skipped_pairs"));
            assertTrue(err.toString(java.nio.charset.StandardCharsets.UTF_8).contains("skipping pair images.jsonl:7: "), err.toString());
        }
    }
}
