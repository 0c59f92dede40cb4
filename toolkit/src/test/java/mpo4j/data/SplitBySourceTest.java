package mpo4j.data;

import static mpo4j.data.Files4Test.stderrOf;
import static mpo4j.data.Files4Test.textLines;
import static mpo4j.data.Files4Test.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 5: repetition must not leak training pairs into the evaluation split. */
class SplitBySourceTest {
    @TempDir
    Path dir;

    /** 20 lines repeated twice + 30 lines once: 70 records from 50 distinct lines. */
    private Dataset<PreferencePair> repeated() {
        write(dir.resolve("twice.jsonl"), textLines("t", 20));
        write(dir.resolve("once.jsonl"), textLines("o", 30));
        Path meta = write(dir.resolve("meta.json"), "{\"twice\": {\"root\": \".\", \"annotation\": \"twice.jsonl\", \"repeat_time\": 2},"
                + " \"once\": {\"root\": \".\", \"annotation\": \"once.jsonl\", \"repeat_time\": 1}}");
        return Datasets.load(meta);
    }

    @Test
    void everyCopyOfARepeatedLineLandsOnTheSameSide() {
        for (long seed = 0; seed < 20; seed++) {
            Dataset<PreferencePair> data = repeated().seed(seed);
            assertEquals(70, data.size());
            Split<PreferencePair> split = data.split(0.9);
            Set<String> train = new HashSet<>(Files4Test.questions(split.train()));
            Set<String> eval = new HashSet<>(Files4Test.questions(split.eval()));
            // 50 distinct lines: floor(50 · 0.9) = 45 to train, 5 to eval, each with all its copies
            assertEquals(45, train.size(), "seed " + seed);
            assertEquals(5, eval.size(), "seed " + seed);
            assertTrue(eval.stream().noneMatch(train::contains), "seed " + seed + ": eval " + eval + " overlaps train");
            long evalTwice = eval.stream().filter(q -> q.startsWith("t")).count();
            assertEquals(5 + evalTwice, split.eval().size(), "seed " + seed);   // a "twice" line brings its 2 copies
            assertEquals(70, split.train().size() + split.eval().size());
            assertEquals(0, split.eval().sharedRecords(split.train()));
        }
    }

    @Test
    void withoutRepetitionTheSplitIsThePlainShuffledCut() {
        // the order is exactly the permutation of the record indices, as before source tracking
        Dataset<Integer> d = Datasets.of(java.util.stream.IntStream.range(0, 35).boxed().toList());
        Split<Integer> s = d.split(0.9, 42);
        int[] perm = Dataset.permutation(35, new java.util.Random(42));
        List<Integer> expected = java.util.Arrays.stream(perm).boxed().toList();
        assertEquals(expected.subList(0, 31), s.train().toList());
        assertEquals(expected.subList(31, 35), s.eval().toList());
    }

    @Test
    void sharedRecordsCountsCopiesAcrossViewsAndInMemoryLists() {
        Dataset<PreferencePair> data = repeated().seed(3);
        // the "twice" lines are records 0..39 (meta.json order); take(40) holds each of those 20 lines twice
        Dataset<PreferencePair> twice = data.take(40);
        assertEquals(40, twice.sharedRecords(data));
        assertEquals(40, Datasets.of(twice.toList()).sharedRecords(data));   // pairs keep their file:line
        assertEquals(0, data.range(40, 70).sharedRecords(twice));
        Dataset<String> strings = Datasets.of(List.of("a", "a"));
        assertEquals(0, strings.take(1).sharedRecords(strings.range(1, 2)));  // equal values, different records
    }

    @Test
    void aHandBuiltSplitWhoseSidesShareRecordsWarns() {
        Dataset<PreferencePair> data = repeated().seed(3);
        String log = stderrOf(() -> new Split<>(data, data.range(60, 70)));
        assertTrue(log.contains("WARN") && log.contains("10 of 10 eval records are also training records"), log);
        assertEquals("", stderrOf(() -> data.split(0.8)));
    }
}
