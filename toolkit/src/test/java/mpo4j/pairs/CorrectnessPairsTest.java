package mpo4j.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.TinyVlm;
import mpo4j.rl.GrpoFixtures;
import org.junit.jupiter.api.Test;

class CorrectnessPairsTest {
    private static final PreferencePair RED = PreferencePair.of("what colour?", "red", null, List.of(), new Source("q.jsonl", 1));

    /** Only the pairing logic runs here: no model is needed. */
    private static final CorrectnessPairs LOGIC = CorrectnessPairs.of(null);

    private static List<List<String>> texts(List<PreferencePair> pairs) {
        return pairs.stream().map(p -> List.of(p.chosen(), p.rejected())).toList();
    }

    @Test
    void everyCorrectResponseIsPairedWithEveryIncorrectOneInOrder() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        // normalised: "red", "blue", "red" (case and the full stop dropped), no answer, "green"
        List<PreferencePair> pairs = LOGIC.pairsOf(RED, List.of("red", "blue", "Red.", " ", "green"), 0, counts);
        assertEquals(List.of(List.of("red", "blue"), List.of("red", "green"), List.of("Red.", "blue"), List.of("Red.", "green")), texts(pairs));
        assertEquals(Map.of("responses", 5, "correct", 2, "incorrect", 2, "unjudged", 1, "kept", 1), counts);
        // the pair keeps the question's prompt, images and source
        assertEquals(RED.prompt(), pairs.get(0).prompt());
        assertEquals(RED.source(), pairs.get(0).source());
    }

    @Test
    void aWrongAnswerContainingTheRightOneIsSkippedUnlessEntailmentIsAllowed() {
        PreferencePair two = PreferencePair.of("how many?", "2", null, List.of(), new Source("q.jsonl", 2));
        Map<String, Integer> counts = new LinkedHashMap<>();
        // "12" contains "2": InternVL skips (2, 12) since the wrong response may state the right answer too
        assertEquals(List.of(List.of("2", "3")), texts(LOGIC.pairsOf(two, List.of("2", "12", "3"), 0, counts)));
        assertEquals(1, counts.get("entailment_skipped"));
        assertEquals(List.of(List.of("2", "12"), List.of("2", "3")),
                texts(LOGIC.allowEntailment(true).pairsOf(two, List.of("2", "12", "3"), 0, new LinkedHashMap<>())));
        // only entailed wrong answers: no pair is left
        counts.clear();
        assertEquals(List.of(), LOGIC.pairsOf(two, List.of("2", "12"), 0, counts));
        assertEquals(1, counts.get("dropped_no_pair"));
    }

    @Test
    void identicalPairsCountOnce() {
        assertEquals(List.of(List.of("red", "blue")), texts(LOGIC.pairsOf(RED, List.of("red", "red", "blue", "blue"), 0, new LinkedHashMap<>())));
    }

    @Test
    void questionsWithoutARightAndAWrongResponseAreDroppedByReason() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        assertEquals(List.of(), LOGIC.pairsOf(RED, List.of("red", "RED"), 0, counts));
        assertEquals(List.of(), LOGIC.pairsOf(RED, List.of("blue", "green"), 1, counts));
        assertEquals(List.of(), LOGIC.pairsOf(RED, List.of("", "  "), 2, counts));
        assertEquals(1, counts.get("dropped_all_correct"));
        assertEquals(1, counts.get("dropped_all_incorrect"));
        assertEquals(1, counts.get("dropped_unjudged"));
        assertEquals(null, counts.get("kept"));
    }

    @Test
    void atMostNumPairsPerKeyPairsAreKeptASeededSubsetInPairingOrder() {
        // 3 right x 3 wrong = 9 distinct pairs; the limit 4 keeps 4 of them
        List<String> responses = List.of("red", "blue", "Red", "green", "red.", "pink");
        List<List<String>> all = texts(LOGIC.pairsOf(RED, responses, 7, new LinkedHashMap<>()));
        assertEquals(9, all.size());
        CorrectnessPairs four = LOGIC.numPairsPerKey(4);
        List<List<String>> kept = texts(four.pairsOf(RED, responses, 7, new LinkedHashMap<>()));
        assertEquals(4, kept.size());
        assertEquals(4, new HashSet<>(kept).size(), "distinct");
        // a subset of the 9, in their order
        List<Integer> positions = kept.stream().map(all::indexOf).toList();
        assertTrue(positions.stream().allMatch(i -> i >= 0), positions.toString());
        assertEquals(positions.stream().sorted().toList(), positions);
        // the same key and seed choose the same subset
        assertEquals(kept, texts(four.pairsOf(RED, responses, 7, new LinkedHashMap<>())));
    }

    @Test
    void finalAnswerJudgeReadsTheLastAnswerLine() {
        AnswerJudge judge = AnswerJudge.finalAnswer();
        assertEquals("blue", judge.extract("The left shape is blue.\nFinal answer: Blue."));
        assertEquals("4", judge.extract("Answer: 3\nWait.\nanswer : 4\n(done)"));
        assertNull(judge.extract("it is blue"));
        assertEquals(Boolean.TRUE, judge.judge("so... Answer: RED", "red"));
        assertEquals(Boolean.FALSE, judge.judge("Answer: green", "red"));
        assertNull(judge.judge("Answer:   ", "red"));
    }

    @Test
    void settingsAreValidatedWithTheirInternVlNames() {
        assertEquals("num_pairs_per_key must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> LOGIC.numPairsPerKey(0)).getMessage());
        assertEquals("num_generations must be >= 2 (a pair needs a right and a wrong response), got 1",
                assertThrows(IllegalArgumentException.class, () -> LOGIC.numGenerations(1)).getMessage());
        assertEquals("batch_size must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> LOGIC.batchSize(0)).getMessage());
    }

    /** Tokens 1..20 back to the letters a..t ({@link GrpoFixtures#token} maps them there one to one); other ids to "". */
    static String decode(long[] ids) {
        StringBuilder sb = new StringBuilder();
        for (long id : ids) {
            for (char c = 'a'; c <= 't'; c++) {
                if (GrpoFixtures.token(c) == id) {
                    sb.append(c);
                }
            }
        }
        return sb.toString();
    }

    @Test
    void aRunOnATinyModelPairsJudgedResponsesAndDoesNotDependOnTheBatchSize() {
        // the judge: a response is right when it starts with a letter from a..j; so every pair is (a..j-start, k..t-start)
        AnswerJudge firstLetter = new AnswerJudge() {
            @Override
            public String extract(String response) { return response.isEmpty() ? null : response.substring(0, 1); }

            @Override
            public boolean matches(String extracted, String answer) { return extracted.charAt(0) <= 'j'; }
        };
        List<PreferencePair> questions = GrpoFixtures.prompts(5);
        try (TinyVlm model = GrpoFixtures.model(3)) {
            CorrectnessPairs pipeline = CorrectnessPairs.of(model).collator(GrpoFixtures.collator()).decoder(CorrectnessPairsTest::decode)
                    .judge(firstLetter).allowEntailment(true).numGenerations(6).numPairsPerKey(4)
                    .sampling(SamplingConfig.trlDefaults().maxNewTokens(3).seed(11)).progressBar(false);
            GeneratedPairs one = pipeline.batchSize(1).run(questions);
            GeneratedPairs three = pipeline.batchSize(3).run(questions);
            assertEquals(one.pairs(), three.pairs());
            assertEquals(one.counts(), three.counts());
            Map<String, Integer> c = one.counts();
            assertEquals(5, c.get("items"));
            assertEquals(30, c.get("responses"), "5 questions x 6 responses");
            assertEquals(30, c.get("correct") + c.get("incorrect") + c.get("unjudged"));
            assertEquals(5, c.get("kept") + c.get("dropped_all_correct") + c.get("dropped_all_incorrect") + c.get("dropped_unjudged")
                    + c.get("dropped_no_pair"));
            assertEquals(c.get("kept"), one.kept());
            assertTrue(one.kept() > 0, "the untrained model gives some question a right and a wrong response: " + c);
            Set<String> keys = new HashSet<>();
            for (PreferencePair p : one.pairs()) {
                assertTrue(p.chosen().charAt(0) <= 'j' && p.rejected().charAt(0) > 'j', p.toString());
                keys.add(p.question());
            }
            assertEquals(one.kept(), keys.size());
            List<Long> perQuestion = new ArrayList<>();
            for (String k : keys) {
                perQuestion.add(one.pairs().stream().filter(p -> p.question().equals(k)).count());
            }
            assertTrue(perQuestion.stream().allMatch(n -> n >= 1 && n <= 4), perQuestion.toString());
        }
    }

    @Test
    void printsItsSettingsWithInternVlAndTrlNames() {
        // the defaults: 8 responses, 15 pairs per key, the normalising judge, TRL's sampling (temperature 1,
        // top_p 1, no top-k, 512 new tokens, seed 0), 8 questions per generation call
        assertEquals("CorrectnessPairs[num_generations 8, num_pairs_per_key 15, judge AnswerJudge.normalized(),"
                + " allow_entailment false, temperature 1.0 top_p 1.0 top_k 0, at most 512 new tokens, seed 0, batch_size 8]",
                LOGIC.toString());
        CorrectnessPairs changed = LOGIC.numGenerations(4).numPairsPerKey(3).judge(AnswerJudge.finalAnswer()).allowEntailment(true)
                .sampling(SamplingConfig.trlDefaults().temperature(0.7).topK(20).minP(0.05).repetitionPenalty(1.1).maxNewTokens(64)
                        .stopStrings(List.of("\n\n")).seed(7))
                .batchSize(2).collator(pairs -> null).progressBar(false);
        assertEquals("CorrectnessPairs[num_generations 4, num_pairs_per_key 3, judge AnswerJudge.finalAnswer(), allow_entailment true,"
                + " temperature 0.7 top_p 1.0 top_k 20 min_p 0.05 repetition_penalty 1.1, at most 64 new tokens,"
                + " stop_strings [\n\n], seed 7, batch_size 2, own collator, no progress bar]", changed.toString());
    }
}
