package mpo4j.data;

import static mpo4j.data.Files4Test.stderrOf;
import static mpo4j.data.Files4Test.textLines;
import static mpo4j.data.Files4Test.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 7: meta.json read as InternVL reads it, with errors that name the meta.json and the entry. */
class MetaJsonTest {
    @TempDir
    Path dir;

    private Path meta(String entryFields) {
        write(dir.resolve("a.jsonl"), textLines("q", 10));
        return write(dir.resolve("meta.json"), "{\"mine\": {\"root\": \".\", \"annotation\": \"a.jsonl\", " + entryFields + "}}");
    }

    private String error(Path meta) {
        return assertThrows(DatasetException.class, () -> Datasets.load(meta)).getMessage();
    }

    @Test
    void repeatTimeBelowOneSamplesAndWholeNumbersAboveOneRepeat() {
        assertEquals(3, Datasets.load(meta("\"repeat_time\": 0.35")).size());   // floor(10 · 0.35)
        assertEquals(30, Datasets.load(meta("\"repeat_time\": 3")).size());
        assertEquals(20, Datasets.load(meta("\"repeat_time\": 2.0")).size());   // a whole number written as a float
    }

    @Test
    void aFractionalRepeatTimeAboveOneIsAnError() {
        Path m = meta("\"repeat_time\": 1.5");
        assertEquals(m + ": field \"mine.repeat_time\": must be a whole number when above 1 (InternVL asserts an int), found 1.5:"
                + " use 1 or 2, or a value below 1 to sample a fraction", error(m));
    }

    @Test
    void aRepeatTimeTooLargeToIndexIsANamedErrorNotAnOverflow() {
        Path m = meta("\"repeat_time\": 1e9");
        // 10 lines · 1e9 = 1e10 records > 2^31 − 9
        assertEquals(m + ": field \"mine.repeat_time\": repeat_time 1e9 makes 10000000000 records from 10 lines, more than a dataset"
                + " can hold (2147483639)", error(m));
    }

    @Test
    void aRepeatTimeWhoseIndexCannotFitTheHeapIsANamedErrorNotAnOutOfMemoryError() {
        Path m = meta("\"repeat_time\": 2e8");
        // 10 lines · 2e8 = 2e9 records (just under 2^31) = 8e9 bytes of index, more than half of the test JVM's 6 GB heap
        long heapMb = Runtime.getRuntime().maxMemory() >> 20;
        assertEquals(m + ": field \"mine.repeat_time\": repeat_time 2e8 makes 2000000000 records from 10 lines; indexing 2000000000"
                + " records needs " + (8_000_000_000L >> 20) + " MB, more than half the heap (" + heapMb + " MB)", error(m));
    }

    @Test
    void aLengthThatDiffersFromTheFileIsAWarning() {
        Path m = meta("\"repeat_time\": 1, \"length\": 12");
        String log = stderrOf(() -> assertEquals(10, Datasets.load(m).size()));
        assertTrue(log.contains("WARN") && log.contains(m + ": entry \"mine\": length 12 but " + dir.resolve("a.jsonl")
                + " has 10 records; using 10"), log);
        assertEquals("", stderrOf(() -> Datasets.load(meta("\"repeat_time\": 1, \"length\": 10"))));
    }

    @Test
    void aMissingAnnotationFileNamesTheMetaJsonAndTheEntry() {
        Path m = write(dir.resolve("meta.json"), "{\"mine\": {\"root\": \".\", \"annotation\": \"gone.jsonl\", \"repeat_time\": 1}}");
        assertEquals(m + ": field \"mine.annotation\": file not found: " + dir.resolve("gone.jsonl"), error(m));
    }

    @Test
    void aFractionalMaxDynamicPatchIsAnError() {
        Path m = meta("\"repeat_time\": 1, \"max_dynamic_patch\": 2.7");
        assertEquals(m + ": field \"mine.max_dynamic_patch\": must be a whole number >= 1, found 2.7", error(m));
        assertEquals(4, Datasets.load(meta("\"repeat_time\": 1, \"max_dynamic_patch\": 4")).get(0).imageOptions().maxDynamicPatch());
    }

    @Test
    void anEmptyAnnotationFileIsAnErrorUnlessAllowed() {
        write(dir.resolve("empty.jsonl"), "");
        Path m = write(dir.resolve("meta.json"), "{\"mine\": {\"root\": \".\", \"annotation\": \"empty.jsonl\", \"repeat_time\": 1}}");
        assertEquals(m + ": field \"mine.annotation\": " + dir.resolve("empty.jsonl") + " has no records (empty or only blank lines);"
                + " remove the entry, or load with LoadOptions.defaults().allowEmpty(true)", error(m));
        assertEquals(0, Datasets.load(m, LoadOptions.defaults().allowEmpty(true)).size());
    }
}
