package mpo4j.collate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.text.Truncation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 items 13 and 15: TRL's defaults, truncation found at validation time, pre-tokenized examples. */
class TrlCollatorTest {
    static InternVlCollator collator;
    @TempDir
    static Path dir;

    /** CollatorTest's fixtures: the sample tokenizer, 64 px tiles of 16 tokens, the same images. */
    @BeforeAll
    static void setUp() throws Exception {
        CollatorTest.dir = dir;
        CollatorTest.setUp();
        collator = CollatorTest.collator;
    }

    @AfterAll
    static void close() {
        CollatorTest.close();
    }

    @Test
    void defaultsAreDpoConfigs() {
        TrlCollator trl = TrlCollator.of(collator);
        // DPOConfig: max_length=1024, truncation_mode="keep_start", pad_to_multiple_of=None
        assertEquals(1024, trl.maxLength());
        assertEquals(Truncation.KEEP_START, trl.truncation());
        assertEquals(1, trl.padToMultipleOf());
        assertEquals("pad_to_multiple_of must be >= 1 (1 = no rounding), got 0",
                assertThrows(IllegalArgumentException.class, () -> trl.padToMultipleOf(0)).getMessage());
    }

    @Test
    void theDefaultTruncationKeepsTheStart() {
        List<PreferencePair> text = List.of(CollatorTest.pair("How many squares are there in the picture?", "There are three squares.", "two", List.of(), 1));
        PreferenceBatch full = TrlCollator.of(collator).maxLength(0).collate(text);
        int max = full.chosen().lengths()[0] - 4;
        PreferenceBatch cut = TrlCollator.of(collator).maxLength(max).collate(text);
        assertEquals(max, cut.chosen().lengths()[0]);
        for (int t = 0; t < max; t++) assertEquals(full.chosen().inputId(0, t), cut.chosen().inputId(0, t));
    }

    @Test
    void validateFindsThePairLeftWithoutACompletionBeforeAnyBatch() {
        PreferencePair shortPair = CollatorTest.pair("2+2?", "4", "5", List.of(), 3);
        PreferencePair longPair = CollatorTest.pair("Count every square, circle and triangle in the picture, then add them up. " .repeat(3),
                "7", "8", List.of(), 7);
        int longPrompt = collator.maxSeqLength(0).encoder().encode(longPair.prompt(), "7", new int[0], longPair.source()).promptLength();
        int shortFull = collator.maxSeqLength(0).encoder().encode(shortPair.prompt(), "4", new int[0], shortPair.source()).length();
        assertTrue(shortFull < longPrompt, shortFull + " vs " + longPrompt);
        TrlCollator trl = TrlCollator.of(collator).maxLength(longPrompt); // keep_start keeps the long pair's prompt only
        String msg = assertThrows(IllegalArgumentException.class, () -> trl.validate(List.of(shortPair, longPair))).getMessage();
        assertTrue(msg.startsWith("t.jsonl:7: truncating ") && msg.contains("leaves no answer token"), msg);
        trl.validate(List.of(shortPair));
        assertEquals(shortFull, trl.collate(List.of(shortPair)).chosen().lengths()[0]);
    }

    @Test
    void validateCountsImageTokensFromHeadersExactlyAsCollationDoes() {
        // the wide image is 2x1 tiles + thumbnail = 3 tiles = 48 <IMG_CONTEXT> tokens; around the prompt length every
        // max_length that collation rejects, validation rejects with the same message, and the other way round
        PreferencePair pair = CollatorTest.threePairs().get(0);
        int full = TrlCollator.of(collator).maxLength(0).collate(List.of(pair)).chosen().lengths()[0];
        int rejected = 0;
        for (int max = full - 70; max <= full + 1; max++) {
            for (Truncation mode : Truncation.values()) {
                TrlCollator trl = TrlCollator.of(collator).maxLength(max).truncation(mode);
                String byCollate = message(() -> trl.collate(List.of(pair)));
                String byValidate = message(() -> trl.validate(List.of(pair)));
                assertEquals(byCollate, byValidate, "max_length " + max + " " + mode);
                if (byCollate != null) rejected++;
            }
        }
        assertTrue(rejected > 0);
    }

    @Test
    void preTokenizedExamplesCollateLikeTrlsDataCollatorForPreference() {
        // TRL's docstring example: prompt [1,2,3] + chosen [4,5] / rejected [6]; prompt [7,8] + chosen [9] / rejected [10,11]
        List<TrlCollator.Tokenized> examples = List.of(
                new TrlCollator.Tokenized(new long[] {1, 2, 3}, new long[] {4, 5}, new long[] {6}, new Source("tok.jsonl", 1)),
                new TrlCollator.Tokenized(new long[] {7, 8}, new long[] {9}, new long[] {10, 11}, new Source("tok.jsonl", 2)));
        PreferenceBatch b = TrlCollator.of(collator).collateTokenized(examples);
        SequenceBatch rows = b.concatenated();
        long p = CollatorTest.PAD;
        long[][] ids = {{1, 2, 3, 4, 5}, {7, 8, 9, p, p}, {1, 2, 3, 6, p}, {7, 8, 10, 11, p}};
        float[][] completion = {{0, 0, 0, 1, 1}, {0, 0, 1, 0, 0}, {0, 0, 0, 1, 0}, {0, 0, 1, 1, 0}};
        assertEquals(5, rows.length());
        float[] mask = rows.completionMask();
        for (int r = 0; r < 4; r++) {
            for (int t = 0; t < 5; t++) {
                assertEquals(ids[r][t], rows.inputId(r, t), "row " + r + " t " + t);
                assertEquals(completion[r][t], mask[r * 5 + t], "row " + r + " t " + t);
            }
        }
        assertEquals(0, b.tiles());
        assertEquals(8, TrlCollator.of(collator).padToMultipleOf(8).collateTokenized(examples).chosen().length());
        // keep_end with max_length 3: [1,2,3,4,5] -> [3,4,5]; keep_start would keep [1,2,3], no completion token
        PreferenceBatch end = TrlCollator.of(collator).maxLength(3).truncation(Truncation.KEEP_END).collateTokenized(examples);
        assertArrayEquals(new long[] {3, 4, 5}, java.util.Arrays.copyOf(end.chosen().inputIds(), 3));
        String msg = message(() -> TrlCollator.of(collator).maxLength(3).collateTokenized(examples));
        assertTrue(msg.startsWith("tok.jsonl:1: truncating 5 tokens to max length 3 (KEEP_START) leaves no answer token"), msg);
        assertEquals("tok.jsonl:2: chosen_ids is empty: nothing to train",
                message(() -> new TrlCollator.Tokenized(new long[] {1}, new long[0], new long[] {2}, new Source("tok.jsonl", 2))));
    }

    private static String message(Runnable r) {
        try {
            r.run();
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
