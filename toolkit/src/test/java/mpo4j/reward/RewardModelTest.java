package mpo4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.Datasets;
import mpo4j.data.RewardPair;
import mpo4j.model.TinyVlm;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import mpo4j.text.Labels;

class RewardModelTest {
    static Tokenizer tok;
    static RewardCollator collator;

    @BeforeAll
    static void setUp() {
        tok = TinyRewardModels.tokenizer();
        collator = TinyRewardModels.collator(tok, TinyRewardModels.config(32, 1));
    }

    @AfterAll
    static void tearDown() {
        tok.close();
    }

    static RewardModel model(RewardModel.Builder b) {
        return b.collator(collator).build();
    }

    @Test
    void everyHeadScoresBothSidesOfEveryPairInsideZeroOne() {
        List<RewardPair> pairs = Datasets.loadReward(TinyRewardModels.REWARD.resolve("train.jsonl")).take(4).toList();
        try (RewardModel rm = model(RewardModel.builder(TinyRewardModels.backbone(1)).heads("preference", "helpful").seed(5));
                NDManager scope = rm.backbone().manager().newSubManager()) {
            RewardBatch batch = collator.collate(pairs);
            assertTrue(batch.sides().hasImages());
            Map<String, RewardModel.Sides> out = rm.forward(batch, scope);
            assertEquals(List.of("preference", "helpful"), List.copyOf(out.keySet()));
            for (RewardModel.Sides s : out.values()) {
                for (NDArray a : List.of(s.scores0(), s.scores1())) {
                    assertEquals(new ai.djl.ndarray.types.Shape(4), a.getShape());
                    for (float v : a.toFloatArray()) {
                        assertTrue(v > 0 && v < 1, "score " + v + " must lie in (0,1)");
                    }
                }
            }
            // the two heads start from different weights, and the two sides of a pair differ
            assertNotEquals(out.get("preference").scores0().getFloat(0), out.get("helpful").scores0().getFloat(0));
            assertNotEquals(out.get("preference").scores0().getFloat(0), out.get("preference").scores1().getFloat(0));
            // names: the backbone's Hugging Face names, then heads.<name>.*
            List<String> names = List.copyOf(rm.trainableParameters().keySet());
            assertTrue(names.contains("model.layers.0.self_attn.q_proj.weight"));
            assertTrue(names.contains("vision_model.embeddings.patch_embedding.weight"));
            int first = names.indexOf("heads.preference.dense.weight");
            assertEquals(List.of("heads.preference.dense.weight", "heads.preference.dense.bias", "heads.preference.norm.weight",
                    "heads.preference.out.weight", "heads.helpful.dense.weight"), names.subList(first, first + 5));
            assertEquals(new ai.djl.ndarray.types.Shape(1, 32), rm.trainableParameters().get("heads.helpful.out.weight").getShape());
        }
    }

    @Test
    void sameSeedSameHeadsDifferentSeedDifferentHeads() {
        try (RewardModel a = model(RewardModel.builder(TinyRewardModels.backbone(1)).seed(9));
                RewardModel b = model(RewardModel.builder(TinyRewardModels.backbone(1)).seed(9));
                RewardModel c = model(RewardModel.builder(TinyRewardModels.backbone(1)).seed(10))) {
            String w = "heads.preference.dense.weight";
            float[] wa = a.trainableParameters().get(w).toFloatArray();
            assertTrue(Arrays.equals(wa, b.trainableParameters().get(w).toFloatArray()));
            assertFalse(Arrays.equals(wa, c.trainableParameters().get(w).toFloatArray()));
            double std = Math.sqrt(Arrays.stream(box(wa)).map(v -> v * v).average().orElseThrow());
            assertEquals(0.02, std, 0.002, "normal(0, 0.02) initialisation");
        }
    }

    private static double[] box(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Rows of {@code batch} with every padding position overwritten by an arbitrary real token id. */
    private static RewardBatch withGarbagePadding(RewardBatch batch, int extra) {
        PreferenceBatch s = batch.sides();
        return new RewardBatch(new PreferenceBatch(garbage(s.chosen(), extra), garbage(s.rejected(), extra), s.pixelValues(), s.tiles(),
                s.tileSize(), s.imageFlags(), s.tileOffsets(), s.sources(), null, null), batch.labels(), batch.sources());
    }

    private static SequenceBatch garbage(SequenceBatch b, int extra) {
        int len = b.length() + extra;
        long[] ids = new long[b.rows() * len];
        long[] labels = new long[ids.length];
        Arrays.fill(labels, Labels.IGNORE);
        for (int r = 0; r < b.rows(); r++) {
            for (int t = 0; t < len; t++) {
                ids[r * len + t] = t < b.lengths()[r] ? b.inputId(r, t) : 100 + (7L * t + r) % 900;
            }
        }
        return new SequenceBatch(b.rows(), len, ids, labels, b.lengths(), b.padId());
    }

    @Test
    void poolingReadsOnlyRealTokensSoPaddingNeverChangesTheScore() {
        RewardPair shortPair = TinyRewardModels.text("What is 2 plus 3?", "5", "6", "A", 1);
        RewardPair longPair = TinyRewardModels.text("What color do you get by mixing red and yellow? Think about it carefully.",
                "orange, because red and yellow make orange", "green", "B", 2);
        for (boolean attention : new boolean[] {false, true}) {
            try (RewardModel rm = model(RewardModel.builder(TinyRewardModels.backbone(2)).attentionPooling(attention).seed(3))) {
                RewardBatch alone = collator.collate(List.of(shortPair));
                RewardBatch padded = collator.collate(List.of(shortPair, longPair));
                assertTrue(padded.sides().concatenated().length() > alone.sides().concatenated().length() + 5);
                RewardModel.PairScores a = rm.scores(alone).get(0);
                RewardModel.PairScores b = rm.scores(padded).get(0);
                RewardModel.PairScores c = rm.scores(withGarbagePadding(padded, 7)).get(0);
                String how = attention ? "attention pooling" : "last-token pooling";
                assertEquals(a.score0(), b.score0(), 1e-5, how);
                assertEquals(a.score1(), b.score1(), 1e-5, how);
                assertEquals(a.score0(), c.score0(), 1e-5, how + " with garbage in the padding");
                assertEquals(rm.scores(padded).get(1).score1(), rm.scores(withGarbagePadding(padded, 7)).get(1).score1(), 1e-5);
                assertNotEquals(a.score0(), a.score1(), "the responses differ, so must their scores");
            }
        }
    }

    @Test
    void lastTokenPoolingScoresTheHiddenStateAtEachRowsFinalRealPosition() {
        try (RewardModel rm = model(RewardModel.builder(TinyRewardModels.backbone(2)).seed(3));
                NDManager scope = rm.backbone().manager().newSubManager()) {
            RewardBatch b = collator.collate(List.of(TinyRewardModels.text("What is 2 plus 3?", "5", "five, of course", "A", 1),
                    TinyRewardModels.text("What is 1 plus 1?", "2", "3", "B", 2)));
            NDArray hidden = rm.backbone().hidden(b.sides().concatenated().tokens(), b.sides().images(scope), scope);          // [4, L, H]
            int[] lengths = b.sides().concatenated().lengths();
            NDArray last = null;
            for (int r = 0; r < lengths.length; r++) {
                NDArray row = hidden.get(r + ":" + (r + 1) + ", " + (lengths[r] - 1) + ":" + lengths[r] + ", :");   // [1, 1, H]
                last = last == null ? row : last.concat(row, 0);
            }
            float[] byHand = rm.head("preference").score(last, new int[] {1, 1, 1, 1}, scope).toFloatArray();
            List<RewardModel.PairScores> s = rm.scores(b);
            assertTrue(lengths[0] != lengths[2], "the two sides of pair 0 have different lengths");
            assertEquals(byHand[0], s.get(0).score0(), 1e-6);
            assertEquals(byHand[1], s.get(1).score0(), 1e-6);
            assertEquals(byHand[2], s.get(0).score1(), 1e-6);
            assertEquals(byHand[3], s.get(1).score1(), 1e-6);
        }
    }

    @Test
    void hpsScaleStartsAtLnOneOverPointZeroSevenAndScoringStaysUnscaled() {
        try (RewardModel rm = model(RewardModel.builder(TinyRewardModels.backbone(1)).hpsScale(true).seed(3));
                NDManager scope = rm.backbone().manager().newSubManager()) {
            assertTrue(rm.hpsScale());
            assertEquals(Math.log(1 / 0.07), rm.logScale("preference"), 1e-6);
            assertEquals(2.659260, rm.logScale("preference"), 1e-6);
            assertTrue(rm.trainableParameters().containsKey("heads.preference.log_scale"));
            RewardBatch b = collator.collate(List.of(TinyRewardModels.text("What is 2 plus 3?", "5", "6", "A", 1)));
            RewardModel.Sides raw = rm.forward(b, scope).get("preference");
            RewardModel.Sides scaled = rm.trainScaled("preference", raw, scope);
            assertEquals(raw.scores0().getFloat(0) / 0.07, scaled.scores0().getFloat(0), 1e-4);
            assertEquals(raw.scores1().getFloat(0) / 0.07, scaled.scores1().getFloat(0), 1e-4);
            RewardModel.PairScores scored = rm.scores(b).get(0);
            assertEquals(raw.scores0().getFloat(0), scored.score0(), 1e-7);
            assertTrue(scored.score0() < 1, "evaluation scores are unscaled");
        }
        try (RewardModel plain = model(RewardModel.builder(TinyRewardModels.backbone(1)))) {
            assertFalse(plain.hpsScale());
            assertTrue(Double.isNaN(plain.logScale("preference")));
            assertFalse(plain.trainableParameters().containsKey("heads.preference.log_scale"));
        }
    }

    @Test
    void saveThenLoadGivesIdenticalScoresAndLoadInPlaceRestoresWeights(@TempDir Path dir) throws Exception {
        List<RewardPair> pairs = List.of(TinyRewardModels.text("What is 2 plus 3?", "5", "6", "A", 1),
                TinyRewardModels.text("What is 4 plus 4?", "7", "8", "B", 2));
        Path saved = dir.resolve("rm");
        try (RewardModel rm = model(RewardModel.builder(TinyRewardModels.backbone(4)).heads("a", "b").attentionPooling(true).hpsScale(true).seed(8))) {
            List<RewardModel.PairScores> before = rm.scoreAll(pairs);
            rm.save(saved);
            assertTrue(Files.exists(saved.resolve("config.json")));
            assertTrue(Files.exists(saved.resolve("model.safetensors")));
            assertTrue(Files.exists(saved.resolve("reward_heads.safetensors")));
            assertTrue(Files.readString(saved.resolve("reward_config.json")).contains("\"attention\""));
            rm.save(saved);   // overwriting an existing save is atomic too
            try (Stream<Path> listing = Files.list(dir)) {
                assertEquals(List.of(saved), listing.toList(), "no temporary directories left behind");
            }
            try (RewardModel again = RewardModel.load(saved, collator)) {
                assertEquals(rm.heads(), again.heads());
                assertTrue(again.attentionPooling() && again.hpsScale());
                assertEquals(rm.trainableParameters().keySet(), again.trainableParameters().keySet());
                assertEquals(before, again.scoreAll(pairs));
            }
            // scramble a head and a backbone weight, then restore in place
            rm.trainableParameters().get("heads.a.out.weight").set(new float[32]);
            rm.trainableParameters().get("model.norm.weight").set(new float[32]);
            assertNotEquals(before, rm.scoreAll(pairs));
            rm.loadInPlace(saved);
            assertEquals(before, rm.scoreAll(pairs));
        }
    }

    @Test
    void clearErrors(@TempDir Path dir) {
        try (TinyVlm backbone = TinyRewardModels.backbone(1)) {
            assertEquals("head name must be non-empty without '.', got 'a.b'",
                    assertThrows(IllegalArgumentException.class, () -> RewardModel.builder(backbone).heads("a.b").build()).getMessage());
            assertEquals("duplicate head name 'x'",
                    assertThrows(IllegalArgumentException.class, () -> RewardModel.builder(backbone).heads("x", "x").build()).getMessage());
            assertEquals("a reward model needs at least one head",
                    assertThrows(IllegalArgumentException.class, () -> RewardModel.builder(backbone).heads().build()).getMessage());
            RewardModel noCollator = RewardModel.builder(backbone).build();
            assertTrue(assertThrows(IllegalStateException.class, () -> noCollator.score("q", "a", List.of())).getMessage()
                    .startsWith("this reward model has no collator"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> noCollator.logScale("nope")).getMessage()
                    .equals("no head 'nope'; heads: [preference]"));
            try (TinyVlm frozen = backbone.frozenCopy()) {
                assertTrue(assertThrows(IllegalArgumentException.class, () -> RewardModel.builder(frozen)).getMessage()
                        .contains("must be a trainable TinyVlm"));
            }
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RewardModel.load(dir)).getMessage()
                .startsWith(dir.resolve("reward_config.json") + ": not a reward model config"));
        assertEquals("cannot collate an empty list of reward pairs",
                assertThrows(IllegalArgumentException.class, () -> collator.collate(List.of())).getMessage());
        RewardPair missing = new RewardPair(List.of(mpo4j.data.ChatMessage.user("What color?")), "red", "blue",
                List.of(dir.resolve("nope.png")), Map.of("preference", "A"), new mpo4j.data.Source("r.jsonl", 7));
        assertTrue(assertThrows(RuntimeException.class, () -> collator.collate(List.of(missing))).getMessage().contains("r.jsonl:7"));
    }
}
