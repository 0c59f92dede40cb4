package mpo4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static mpo4j.data.Files4Test.png;
import static mpo4j.data.Files4Test.questions;
import static mpo4j.data.Files4Test.textLines;
import static mpo4j.data.Files4Test.write;
import static org.junit.jupiter.api.Assertions.*;

class MmprReaderTest {
    @TempDir
    Path dir;

    /** Three sub-datasets of 10 lines each with repeat_time 0.5, 2.0 and 1 (1.5 is an error: see MetaJsonTest). */
    private Path threeDatasets() {
        write(dir.resolve("ann/half.jsonl"), textLines("h", 10));
        write(dir.resolve("ann/double.jsonl"), textLines("d", 10));
        write(dir.resolve("ann/once.jsonl"), textLines("o", 10));
        return write(dir.resolve("meta.json"), """
                {"half": {"root": "img", "annotation": "ann/half.jsonl", "repeat_time": 0.5},
                 "double": {"root": "img", "annotation": "ann/double.jsonl", "repeat_time": 2.0, "max_dynamic_patch": 6},
                 "once": {"root": "img", "annotation": "ann/once.jsonl", "repeat_time": 1, "data_augment": true}}""");
    }

    private static Map<String, Long> countsByQuestion(Dataset<PreferencePair> d) {
        return d.stream().collect(Collectors.groupingBy(PreferencePair::question, Collectors.counting()));
    }

    @Test
    void repeatTimeSamplesAndRepeats() {
        Dataset<PreferencePair> d = Datasets.load(threeDatasets()).seed(7);
        assertEquals(5 + 20 + 10, d.size());
        List<String> q = questions(d);
        // meta.json order is kept: 5 "h" lines, then 20 "d" lines, then 10 "o" lines
        List<String> half = q.subList(0, 5), dbl = q.subList(5, 25), one = q.subList(25, 35);
        assertTrue(half.stream().allMatch(s -> s.startsWith("h")));
        assertEquals(5, new HashSet<>(half).size(), "0.5 of 10 lines: 5 distinct lines (no replacement)");
        Map<String, Long> dc = countsByQuestion(Datasets.of(d.toList()).range(5, 25));
        assertEquals(10, dc.size());
        assertTrue(dc.values().stream().allMatch(c -> c == 2), "2.0: every line exactly twice: " + dc);
        assertEquals(Set.of("o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"), new HashSet<>(one), "1: every line once");
    }

    @Test
    void perDatasetOptionsAreCarried() {
        Dataset<PreferencePair> d = Datasets.load(threeDatasets());
        assertEquals(ImageOptions.DEFAULT, d.get(0).imageOptions());
        assertEquals(new ImageOptions(6, false), d.get(5).imageOptions());
        assertEquals(new ImageOptions(null, true), d.get(25).imageOptions());
    }

    @Test
    void sameSeedSameOrderDifferentSeedDifferentOrder() {
        Path meta = threeDatasets();
        List<String> a = questions(Datasets.load(meta).seed(42));
        List<String> b = questions(Datasets.load(meta).seed(42));
        List<String> c = questions(Datasets.load(meta).seed(43));
        assertEquals(a, b);
        assertNotEquals(a, c);
        // re-seeding a loaded dataset redraws the repeat_time sample too
        assertEquals(a, questions(Datasets.load(meta).seed(43).seed(42)));
        // and the per-dataset shuffle really shuffles: the 1.0-style dataset is not in file order
        assertNotEquals(List.of("o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"), a.subList(25, 35));
    }

    @Test
    void relativeAndAbsolutePaths() {
        Path img = png(dir.resolve("img/a.png"), 4, 3);
        Path abs = png(dir.resolve("elsewhere/b.png"), 5, 5);
        write(dir.resolve("ann/x.jsonl"),
                "{\"image\": \"a.png\", \"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                "{\"image\": \"" + abs.toAbsolutePath() + "\", \"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        Path meta = write(dir.resolve("m1.json"),
                "{\"x\": {\"root\": \"img\", \"annotation\": \"ann/x.jsonl\", \"repeat_time\": 1}}");
        Path metaAbs = write(dir.resolve("sub/m2.json"),
                "{\"x\": {\"root\": \"" + dir.resolve("img").toAbsolutePath() + "\", \"annotation\": \""
                        + dir.resolve("ann/x.jsonl").toAbsolutePath() + "\", \"repeat_time\": 1}}");
        for (Path m : List.of(meta, metaAbs)) {
            List<PreferencePair> pairs = Datasets.load(m).toList();
            Set<Path> images = pairs.stream().map(p -> p.images().get(0).toAbsolutePath().normalize()).collect(Collectors.toSet());
            assertEquals(Set.of(img.toAbsolutePath().normalize(), abs.toAbsolutePath().normalize()), images);
        }
    }

    @Test
    void singleImageWithoutPlaceholderGetsOnePrepended() {
        png(dir.resolve("img/a.png"), 4, 3);
        Path ann = write(dir.resolve("a.jsonl"),
                "{\"image\": \"img/a.png\", \"question\": \"What color?\", \"chosen\": \"red\", \"rejected\": \"blue\"}",
                "{\"image\": \"img/a.png\", \"question\": \"Look: <image> What color?\", \"chosen\": \"red\", \"rejected\": \"blue\"}",
                "{\"question\": \"2+2?\", \"chosen\": \"4\", \"rejected\": \"5\"}");
        Dataset<PreferencePair> d = Datasets.load(ann);
        assertEquals("<image>\nWhat color?", d.get(0).question());
        assertEquals("Look: <image> What color?", d.get(1).question());
        assertEquals("2+2?", d.get(2).question());
        assertEquals(List.of(), d.get(2).images());
        assertEquals(new Source(ann.toString(), 2), d.get(1).source());
    }

    @Test
    void placeholderCountMismatchNamesFileLineAndField() {
        png(dir.resolve("a.png"), 4, 3);
        png(dir.resolve("b.png"), 4, 3);
        Path ann = write(dir.resolve("multi.jsonl"),
                "{\"image\": [\"a.png\", \"b.png\"], \"question\": \"<image>\\n<image>\\nSame?\", \"chosen\": \"y\", \"rejected\": \"n\"}",
                "{\"image\": [\"a.png\", \"b.png\"], \"question\": \"<image>\\nSame?\", \"chosen\": \"y\", \"rejected\": \"n\"}");
        Dataset<PreferencePair> d = Datasets.load(ann);
        assertEquals(2, d.get(0).images().size());
        DatasetException e = assertThrows(DatasetException.class, () -> d.get(1));
        assertEquals(ann + ":2: field \"question\": has 1 <image> placeholder but the line has 2 images", e.getMessage());
        assertEquals("question", e.field());
        assertEquals(2, e.source().line());
    }

    @Test
    void metaErrorsNameTheEntryAndField() {
        Path m = write(dir.resolve("bad.json"), "{\"x\": {\"root\": \"img\", \"annotation\": \"a.jsonl\"}}");
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.load(m));
        assertEquals(m + ": field \"x.repeat_time\": missing", e.getMessage());
        Path m2 = write(dir.resolve("bad2.json"), "{\"x\": {\"root\": \"img\", \"annotation\": \"a.jsonl\", \"repeat_time\": \"2\"}}");
        assertEquals(m2 + ": field \"x.repeat_time\": expected a number, found a string",
                assertThrows(DatasetException.class, () -> Datasets.load(m2)).getMessage());
        Path m3 = write(dir.resolve("bad3.json"), "{\"x\": {\"root\": \"img\", \"annotation\": \"nope.jsonl\", \"repeat_time\": 1}}");
        assertEquals(m3 + ": field \"x.annotation\": file not found: " + dir.resolve("nope.jsonl"),
                assertThrows(DatasetException.class, () -> Datasets.load(m3)).getMessage());
    }

    @Test
    void repeatHelperCountsExactly() {
        int[] lines = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertEquals(3, MmprReader.repeat(lines, 0.39, new java.util.Random(1)).length);  // floor(3.9)
        assertEquals(0, MmprReader.repeat(lines, 0.05, new java.util.Random(1)).length);  // floor(0.5)
        assertEquals(30, MmprReader.repeat(lines, 3.99, new java.util.Random(1)).length); // floor(3.99) = 3
        Function<int[], Set<Integer>> set = a -> java.util.Arrays.stream(a).boxed().collect(Collectors.toSet());
        assertEquals(9, set.apply(MmprReader.repeat(lines, 0.9, new java.util.Random(3))).size());
    }

    @Test
    void generationPromptsHaveNullRejectedAndByteOrderMarksAreIgnored() {
        Path f = write(dir.resolve("gen.jsonl"),
                "\uFEFF{\"question\": \"q1\", \"chosen\": \"a\", \"rejected\": null}",
                "{\"question\": \"q2\", \"chosen\": \"b\", \"rejected\": \"c\"}");
        Dataset<PreferencePair> d = Datasets.load(f);
        assertNull(d.get(0).rejected());
        assertEquals("q1", d.get(0).question());
        assertEquals("c", d.get(1).rejected());
    }
}
