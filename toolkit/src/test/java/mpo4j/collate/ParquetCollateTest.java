package mpo4j.collate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mpo4j.data.Datasets;
import mpo4j.data.EmbeddedImage;
import mpo4j.data.PreferencePair;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.Test;

/**
 * The committed Parquet sample ({@code datasets-sample/trl-parquet}, written by {@code sample-tools}'
 * {@code ParquetSample} from {@code trl/conversational_explicit.jsonl}: every 8th pair in {@code test},
 * the rest in two {@code train} shards) collates to exactly the batches its JSONL source collates to.
 */
class ParquetCollateTest {
    private static final Path SAMPLE = Path.of("..", "datasets-sample");

    @Test
    void validationDecodesEmbeddedImagesFully() {
        // images held in memory are checked like files: the header at load, every pixel on validate(true)
        assertEquals(140, Datasets.load(SAMPLE.resolve("trl-parquet")).validate(true).size());
    }

    @Test
    void parquetSampleCollatesExactlyLikeItsJsonlSource() {
        Mpo4jEngine.ensureOffline();
        List<PreferencePair> jsonl = Datasets.trl(SAMPLE.resolve("trl/conversational_explicit.jsonl")).toList();
        List<PreferencePair> jsonlTrain = new ArrayList<>(), jsonlTest = new ArrayList<>();
        for (int i = 0; i < jsonl.size(); i++) (i % 8 == 7 ? jsonlTest : jsonlTrain).add(jsonl.get(i));
        List<PreferencePair> parquetTrain = Datasets.load(SAMPLE.resolve("trl-parquet")).toList();
        List<PreferencePair> parquetTest = Datasets.parquet(SAMPLE.resolve("trl-parquet"), "test").toList();
        // 160 JSONL pairs: 20 (i % 8 == 7) in test, 140 in the two train shards
        assertEquals(140, parquetTrain.size());
        assertEquals(20, parquetTest.size());
        assertTrue(parquetTrain.stream().flatMap(p -> p.images().stream()).allMatch(img -> img instanceof EmbeddedImage),
                "images come from the Parquet cells, not from files");
        try (Tokenizer tok = Tokenizer.load(SAMPLE.resolve("tokenizer"))) {
            InternVlCollator collator = InternVlCollator.of(tok).tileSize(64).tokensPerTile(16).maxTiles(6).maxSeqLength(1024);
            assertSameBatches(collator, jsonlTrain, parquetTrain);
            assertSameBatches(collator, jsonlTest, parquetTest);
        }
    }

    private static void assertSameBatches(InternVlCollator collator, List<PreferencePair> expected, List<PreferencePair> actual) {
        assertEquals(expected.size(), actual.size());
        for (int from = 0; from < expected.size(); from += 16) {
            int to = Math.min(from + 16, expected.size());
            PreferenceBatch a = collator.collate(expected.subList(from, to), 7);
            PreferenceBatch b = collator.collate(actual.subList(from, to), 7);
            String where = "batch at " + from;
            assertArrayEquals(a.chosen().inputIds(), b.chosen().inputIds(), where);
            assertArrayEquals(a.chosen().labels(), b.chosen().labels(), where);
            assertArrayEquals(a.rejected().inputIds(), b.rejected().inputIds(), where);
            assertArrayEquals(a.rejected().labels(), b.rejected().labels(), where);
            assertArrayEquals(a.tileOffsets(), b.tileOffsets(), where);
            assertArrayEquals(a.pixelValues(), b.pixelValues(), where);
        }
    }
}
