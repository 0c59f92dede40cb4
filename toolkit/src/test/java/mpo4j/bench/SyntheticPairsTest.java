package mpo4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import mpo4j.engine.Mpo4jEngine;

/** The synthetic data, read back from disk and collated by the real collator, has the benchmark's exact shape. */
class SyntheticPairsTest {
    static final Path TOKENIZER = Path.of("..", "datasets-sample", "tokenizer");

    @Test
    void collatedBatchHasTheReferenceShape(@TempDir Path dir) {
        mpo4j.engine.Mpo4jEngine.ensureOffline();
        SyntheticPairs.BatchShape shape = SyntheticPairs.BatchShape.reference().withPairs(3);
        try (Tokenizer tok = Tokenizer.load(TOKENIZER)) {
            InternVlCollator collator = Benchmark.benchCollator(tok, TinyVlmConfig.tinyVlm(), shape);
            Path jsonl = SyntheticPairs.write(dir, 3, shape, collator, 7);
            List<PreferencePair> pairs = Datasets.mmprAnnotation(jsonl).toList();
            PreferenceBatch batch = collator.collate(pairs);
            assertEquals(9, batch.tiles());                                  // 3 pairs × (2×1 grid + thumbnail)
            assertArrayEquals(new int[] {0, 3, 6, 9}, batch.tileOffsets());
            assertArrayEquals(new int[] {112, 112, 112, 104, 104, 104}, batch.concatenated().lengths());
            int[] chosenTrained = new int[3];
            for (int r = 0; r < 3; r++) {
                chosenTrained[r] = batch.chosen().completionTokens(r);
            }
            assertArrayEquals(new int[] {39, 39, 39}, chosenTrained);       // 40 completion tokens, the trailing \n untrained
            assertArrayEquals(new int[] {112, 112, 112, 104, 104, 104}, Benchmark.checkShape(batch, shape, 16));
        }
    }

    @Test
    void fitReachesTheExactCountOrSaysWhy() {
        // a toy count: one token per character
        String s = SyntheticPairs.fit(17, new SplittableRandom(1), String::length);
        assertEquals(17, s.length());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SyntheticPairs.fit(3, new SplittableRandom(1), t -> t.length() + 5));
        assertEquals("even an empty text takes 5 tokens, more than the 3 asked for", e.getMessage());
    }

    @Test
    void checkShapeNamesTheMismatch(@TempDir Path dir) {
        SyntheticPairs.BatchShape shape = SyntheticPairs.BatchShape.reference().withPairs(1);
        try (Tokenizer tok = Tokenizer.load(TOKENIZER)) {
            InternVlCollator collator = Benchmark.benchCollator(tok, TinyVlmConfig.tinyVlm(), shape);
            PreferenceBatch batch = collator.collate(Datasets.mmprAnnotation(SyntheticPairs.write(dir, 1, shape, collator, 7)).toList());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Benchmark.checkShape(batch, shape.withPairs(1).withPromptTextTokens(25), 16));
            assertEquals("the synthetic batch does not have the benchmark shape: rows [112, 104] (expected [113, 105]), tiles 3 (expected 3)",
                    e.getMessage());
        }
    }
}
