package mpo4j.pairs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.generate.Generator;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.TinyVlm;
import mpo4j.rl.GrpoFixtures;
import org.junit.jupiter.api.Test;

class DropoutNtpPairsTest {

    private static long[] tokens(String s) {
        return s.chars().mapToLong(c -> GrpoFixtures.token((char) c)).toArray();
    }

    @Test
    void theCutKeepsTheFloorOfStartRatioTimesTheAnswerTokens() {
        DropoutNtpPairs half = DropoutNtpPairs.of(null);
        assertEquals(2, half.cut(5));   // floor(0.5 * 5) = floor(2.5)
        assertEquals(2, half.cut(4));
        assertEquals(0, half.cut(1));   // nothing kept: too short to cut
        assertEquals(2, half.startRatio(0.3).cut(8));   // floor(2.4)
        assertEquals(7, half.startRatio(0.75).cut(10));  // floor(7.5)
        assertEquals("start_ratio must be in (0, 1), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> half.startRatio(1.0)).getMessage());
    }

    @Test
    void theImageIsDroppedFromThePromptAndItsPlaceholdersRemoved() {
        PreferencePair p = PreferencePair.of("Image-1: <image>\nImage-2: <image>\nwhich?", "first", null,
                List.of(Path.of("a.png"), Path.of("b.png")), new Source("q.jsonl", 1));
        PreferencePair text = DropoutNtpPairs.withoutImages(p);
        assertEquals("Image-1: Image-2: which?", text.question());
        assertEquals(List.of(), text.images());
    }

    @Test
    void theRejectedAnswerIsTheKeptStartPlusTheModelsContinuationWithoutTheImage() {
        // "abcde": 5 tokens, cut at floor(0.5 * 5) = 2 -> "ab"; "fg": cut 1 -> "f"; "h": cut 0 -> dropped
        List<PreferencePair> items = List.of(
                PreferencePair.of("<image>\nqa", "abcde", null, List.of(Path.of("x.png")), new Source("q.jsonl", 1)),
                PreferencePair.of("qb", "fg", null, List.of(), new Source("q.jsonl", 2)),
                PreferencePair.of("qc", "h", null, List.of(), new Source("q.jsonl", 3)));
        SamplingConfig greedy = SamplingConfig.greedy(4);
        try (TinyVlm model = GrpoFixtures.model(3)) {
            GeneratedPairs out = DropoutNtpPairs.of(model).collator(GrpoFixtures.collator()).decoder(CorrectnessPairsTest::decode)
                    .encoder(DropoutNtpPairsTest::tokens).sampling(greedy).progressBar(false).run(items);
            assertEquals(1, out.count("dropped_too_short"));
            // independently: the text-only prompt (the collator writes the question's characters; the placeholder is gone)
            // followed by the kept answer tokens, continued greedily by the same model
            long[] first = Generator.of(model).generate(concat(tokens("qa"), tokens("ab")), null, greedy);
            long[] second = Generator.of(model).generate(concat(tokens("qb"), tokens("f")), null, greedy);
            String rejected1 = "ab" + CorrectnessPairsTest.decode(withoutEos(first));
            String rejected2 = "f" + CorrectnessPairsTest.decode(withoutEos(second));
            int same = (rejected1.equals("abcde") ? 1 : 0) + (rejected2.equals("fg") ? 1 : 0);
            assertEquals(same, out.count("dropped_same_as_chosen"));
            assertEquals(2 - same, out.kept());
            assertEquals(rejected1, out.pairs().get(0).rejected());
            // the pair keeps the original prompt (with its placeholder) and image
            assertEquals("<image>\nqa", out.pairs().get(0).question());
            assertEquals(List.of(Path.of("x.png")), out.pairs().get(0).images());
            assertEquals("abcde", out.pairs().get(0).chosen());
            if (same == 0) {
                assertEquals(rejected2, out.pairs().get(1).rejected());
            }
        }
    }

    @Test
    void aContinuationThatReproducesTheChosenAnswerIsDropped() {
        List<PreferencePair> items = List.of(PreferencePair.of("qa", "abcd", null, List.of(), new Source("q.jsonl", 1)));
        try (TinyVlm model = GrpoFixtures.model(3)) {
            // a decoder that always reads "ABCD." makes every rejected answer equal the chosen one after normalisation
            GeneratedPairs out = DropoutNtpPairs.of(model).collator(GrpoFixtures.collator()).decoder(ids -> "ABCD.")
                    .encoder(DropoutNtpPairsTest::tokens).sampling(SamplingConfig.greedy(2)).progressBar(false).run(items);
            assertEquals(List.of(), out.pairs());
            assertEquals(1, out.count("dropped_same_as_chosen"));
            assertEquals(1, out.dropped());
        }
    }

    private static long[] withoutEos(long[] ids) {
        return ids.length > 0 && ids[ids.length - 1] == GrpoFixtures.IDS.eos() ? Arrays.copyOf(ids, ids.length - 1) : ids;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void printsItsSettingsWithInternVlAndTrlNames() {
        // the defaults: half the answer kept, greedy continuation of at most 512 tokens, seed 0, 8 items per call
        assertEquals("DropoutNtpPairs[start_ratio 0.5, greedy, at most 512 new tokens, seed 0, batch_size 8]",
                DropoutNtpPairs.of(null).toString());
        assertEquals("DropoutNtpPairs[start_ratio 0.25, own encoder, greedy, at most 32 new tokens, eos_token_id [2, 5], seed 3,"
                + " batch_size 1, own decoder]", DropoutNtpPairs.of(null).startRatio(0.25).encoder(text -> new long[0])
                        .sampling(SamplingConfig.greedy(32).eosTokenIds(List.of(2L, 5L)).seed(3)).batchSize(1)
                        .decoder(ids -> "").toString());
    }
}
