package mpo4j.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class DatasetOpsTest {
    private static Dataset<Integer> ints(int n) {
        return Datasets.of(IntStream.range(0, n).boxed().toList());
    }

    @Test
    void takeRangeMapFilterConcat() {
        Dataset<Integer> d = ints(10);
        assertEquals(List.of(0, 1, 2), d.take(3).toList());
        assertEquals(10, d.take(99).size());
        assertEquals(List.of(4, 5), d.range(4, 6).toList());
        assertEquals(List.of(0, 10, 20), d.map(i -> i * 10).take(3).toList());
        assertEquals(List.of(0, 3, 6, 9), d.filter(i -> i % 3 == 0).toList());
        assertEquals(List.of(8, 9, 0, 1), d.range(8, 10).concat(Datasets.of(List.<Integer>of()), d.take(2)).toList());
        assertEquals(45, d.stream().mapToInt(Integer::intValue).sum());
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(10));
    }

    @Test
    void shuffleIsASeededPermutation() {
        Dataset<Integer> d = ints(50);
        List<Integer> a = d.shuffle(1).toList();
        assertEquals(a, d.shuffle(1).toList());
        assertNotEquals(a, d.shuffle(2).toList());
        assertEquals(new HashSet<>(d.toList()), new HashSet<>(a));
        // seed(s).shuffle() == shuffle(s)
        assertEquals(a, d.seed(1).shuffle().toList());
        assertEquals(1, d.seed(1).take(5).seed());
    }

    @Test
    void splitSizesAndDisjointness() {
        Dataset<Integer> d = ints(35).seed(42);
        Split<Integer> s = d.split(0.9);
        assertEquals(31, s.train().size()); // floor(35 * 0.9) = 31
        assertEquals(4, s.eval().size());
        Set<Integer> all = new HashSet<>(s.train().toList());
        all.addAll(s.eval().toList());
        assertEquals(35, all.size());
        assertEquals(s.train().toList(), d.split(0.9).train().toList());
        assertNotEquals(s.eval().toList(), d.seed(43).split(0.9).eval().toList());
        assertThrows(IllegalArgumentException.class, () -> d.split(1.0));
    }

    @Test
    void mixByRatioGivesExactCounts() {
        Dataset<String> a = Datasets.of(IntStream.range(0, 10).mapToObj(i -> "a" + i).toList());
        Dataset<String> b = Datasets.of(IntStream.range(0, 10).mapToObj(i -> "b" + i).toList());
        Dataset<String> m = Datasets.<String>mix().add(a, 0.75).add(b, 0.25).size(40).seed(5).build();
        assertEquals(40, m.size());
        Map<String, Long> counts = m.stream().collect(Collectors.groupingBy(s -> s.substring(0, 1), Collectors.counting()));
        assertEquals(Map.of("a", 30L, "b", 10L), counts);
        // 30 from a 10-record source: every record exactly 3 times; 10 from b: each once
        Map<String, Long> perA = m.stream().filter(s -> s.startsWith("a")).collect(Collectors.groupingBy(s -> s, Collectors.counting()));
        assertTrue(perA.values().stream().allMatch(c -> c == 3), perA.toString());
        assertEquals(m.toList(), Datasets.<String>mix().add(a, 0.75).add(b, 0.25).size(40).seed(5).build().toList());
        // interleaved, not a then b
        assertNotEquals(m.take(30).toList().stream().filter(s -> s.startsWith("a")).count(), 30L);
    }

    @Test
    void mixDefaultSizeNeedsNoRepetition() {
        Dataset<Integer> small = ints(10);
        Dataset<Integer> big = ints(30).map(i -> 100 + i);
        Dataset<Integer> m = Datasets.<Integer>mix().add(small, 1).add(big, 1).seed(1).build();
        assertEquals(20, m.size()); // min(10 / 0.5, 30 / 0.5)
        List<Integer> fromSmall = m.stream().filter(i -> i < 100).sorted().toList();
        assertEquals(ints(10).toList(), fromSmall);
        // three-way largest remainder: 10 * (1/3) each -> 4, 3, 3
        Dataset<Integer> three = Datasets.<Integer>mix().add(ints(10), 1).add(ints(10).map(i -> i + 100), 1)
                .add(ints(10).map(i -> i + 200), 1).size(10).build();
        List<Long> byGroup = new ArrayList<>();
        for (int g = 0; g < 3; g++) {
            int lo = g * 100;
            byGroup.add(three.stream().filter(i -> i >= lo && i < lo + 100).count());
        }
        assertEquals(List.of(4L, 3L, 3L), byGroup);
    }

    @Test
    void tableAndToStringOfPreferencePairs() {
        Dataset<PreferencePair> d = Datasets.of(List.of(
                PreferencePair.of("<image>\nWhat color?", "red", "blue", List.of(java.nio.file.Path.of("a.png")), new Source("f.jsonl", 1)),
                PreferencePair.of("2+2?", "4", "5", List.of(), new Source("f.jsonl", 2))));
        var t = d.table();
        assertEquals(List.of("source", "prompt", "chosen", "rejected", "images"), t.columnNames());
        assertEquals(2, t.rowCount());
        assertEquals("f.jsonl:1", t.stringColumn("source").get(0));
        assertEquals("<image>\\nWhat color?", t.stringColumn("prompt").get(0)); // newline shown as a visible \n
        assertEquals(1, t.intColumn("images").get(0));
        var tt = d.table(String::length);
        assertEquals(List.of(4, 1), List.of(tt.intColumn("prompt_tokens").get(1), tt.intColumn("chosen_tokens").get(1)));
        assertEquals(19, tt.intColumn("prompt_tokens").get(0)); // the real text: "<image>" + '\n' + "What color?"
        String s = d.toString();
        assertTrue(s.startsWith("Dataset of 2 records from 1 source, seed 0"), s);
        assertTrue(s.contains("f.jsonl:2  \"2+2?\" -> chosen \"4\", rejected \"5\" (text only)"), s);
        String p = d.get(0).toString();
        assertTrue(p.startsWith("PreferencePair f.jsonl:1 [1 image: a.png]"), p);
        assertTrue(p.contains("chosen:   red"), p);
    }
}
