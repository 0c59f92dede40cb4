package mpo4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static mpo4j.data.Files4Test.textLines;
import static mpo4j.data.Files4Test.write;
import static org.junit.jupiter.api.Assertions.*;

/** Format detection of {@link Datasets#load(Path)}. */
class DatasetsLoadTest {
    @TempDir
    Path dir;

    @Test
    void folderWithMetaJsonReadsTheMeta() {
        write(dir.resolve("a.jsonl"), textLines("a", 4));
        write(dir.resolve("meta.json"), "{\"a\": {\"root\": \".\", \"annotation\": \"a.jsonl\", \"repeat_time\": 0.5}}");
        assertEquals(2, Datasets.load(dir).size());
    }

    @Test
    void folderOfJsonlConcatenatesInNameOrder() {
        write(dir.resolve("b.jsonl"), "{\"prompt\": \"pb\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        write(dir.resolve("a.jsonl"), textLines("a", 2));
        write(dir.resolve("notes.txt"), "ignored");
        Dataset<PreferencePair> d = Datasets.load(dir);
        assertEquals(List.of("a0", "a1", "pb"), Files4Test.questions(d));
        assertEquals(List.of(dir.resolve("a.jsonl").toString(), dir.resolve("b.jsonl").toString()), d.sources());
    }

    @Test
    void unknownFormatAndEmptyFolderAreClear() throws Exception {
        Path f = write(dir.resolve("x.jsonl"), "{\"text\": \"hello\"}");
        assertEquals(f + ":1: unknown format: expected MMPR keys (question, chosen, rejected) or TRL keys (prompt?, chosen, rejected), found [text]",
                assertThrows(DatasetException.class, () -> Datasets.load(f)).getMessage());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertEquals(empty + ": folder has neither a meta.json nor .jsonl files",
                assertThrows(DatasetException.class, () -> Datasets.load(empty)).getMessage());
        assertEquals(dir.resolve("nope.jsonl") + ": file not found",
                assertThrows(DatasetException.class, () -> Datasets.load(dir.resolve("nope.jsonl"))).getMessage());
    }

    @Test
    void mixFromAMapNeedsAReproducibleOrder() {
        Dataset<Integer> a = Datasets.of(List.of(1, 2, 3, 4));
        Dataset<Integer> b = Datasets.of(List.of(10, 20, 30, 40));
        Map<Dataset<Integer>, Double> ordered = new LinkedHashMap<>();
        ordered.put(a, 3.0);
        ordered.put(b, 1.0);
        Dataset<Integer> m = Datasets.mix(ordered, 7);
        assertEquals(5, m.size()); // min(4 / 0.75, 4 / 0.25) = 5.33 -> 5: 4 from a (round 3.75), 1 from b
        assertEquals(4, m.stream().filter(i -> i < 10).count());
        Map<Dataset<Integer>, Double> hashed = new HashMap<>(ordered);
        assertThrows(IllegalArgumentException.class, () -> Datasets.mix(hashed, 7));
    }
}
