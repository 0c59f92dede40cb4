package mpo4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;
import mpo4j.data.Datasets;
import mpo4j.data.RewardPair;
import mpo4j.data.Source;
import mpo4j.online.RewardFunction;
import mpo4j.online.RewardInputs;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelRewardTest {
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

    /**
     * Five completions: three for an image question, two for a text question (so one completion's neighbour
     * belongs to the other prompt). The slow exact computation: score each completion alone, as response 0
     * of a pair whose response 1 is an unrelated text, with the model's own {@code score}.
     */
    @Test
    void eachCompletionGetsTheScoreTheModelGivesItAlone() {
        RewardPair withImage = Datasets.loadReward(TinyRewardModels.REWARD.resolve("train.jsonl")).toList().stream()
                .filter(p -> !p.images().isEmpty()).findFirst().orElseThrow();
        List<String> prompts = List.of(withImage.question(), withImage.question(), withImage.question(), "what is 2+2?", "what is 2+2?");
        List<String> completions = List.of("red", "a blue circle", "red", "4", "four, I think");
        List<Object> images = List.of(withImage.images(), withImage.images(), withImage.images(), List.of(), List.of());
        Map<String, List<Object>> columns = new LinkedHashMap<>();
        columns.put("images", images);
        List<long[]> ids = new ArrayList<>();
        completions.forEach(c -> ids.add(new long[] {1}));
        RewardInputs in = new RewardInputs(prompts, completions, ids, columns);
        try (RewardModel rm = RewardModel.builder(TinyRewardModels.backbone(1)).heads("preference", "helpful").seed(5).collator(collator).build()) {
            for (String head : List.of("preference", "helpful")) {
                RewardFunction f = head.equals("preference") ? rm.asRewardFunction() : rm.asRewardFunction(head);
                List<Double> got = f.score(in);
                assertEquals(5, got.size());
                for (int i = 0; i < 5; i++) {
                    @SuppressWarnings("unchecked")
                    List<Path> imgs = (List<Path>) images.get(i);
                    RewardPair alone = new RewardPair(List.of(ChatMessage.user(prompts.get(i))), completions.get(i), "unrelated text",
                            imgs, Map.of(), new Source("test", i + 1));
                    double expected = rm.score(alone).scores0().get(head);
                    assertEquals(expected, got.get(i), 1e-5, head + " score of completion " + i);
                    assertTrue(got.get(i) > 0 && got.get(i) < 1);
                }
                // identical (prompt, image, completion) -> identical score, whatever its pair partner
                assertEquals(got.get(0), got.get(2), 1e-5);
            }
            assertEquals("RewardModel reward (head helpful, scores in (0, 1))", rm.asRewardFunction("helpful").toString());
            assertEquals("the reward model has no head 'style'; heads: [preference, helpful]",
                    assertThrows(IllegalArgumentException.class, () -> rm.asRewardFunction("style")).getMessage());
        }
    }

    @Test
    void aModelWithoutCollatorIsRefusedUpFront() {
        try (RewardModel rm = RewardModel.builder(TinyRewardModels.backbone(1)).build()) {
            assertTrue(assertThrows(IllegalArgumentException.class, rm::asRewardFunction).getMessage().contains("needs a collator"));
        }
    }
}
