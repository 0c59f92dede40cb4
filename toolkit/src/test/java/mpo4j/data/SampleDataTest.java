package mpo4j.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The committed datasets-sample/ loads in every format with the documented counts. */
class SampleDataTest {
    /** Tests run in toolkit/; the sample folder is at the repository root. */
    static final Path SAMPLE = Path.of("..", "datasets-sample").normalize();

    @Test
    void mmprTrainAndEvalCounts() {
        Dataset<PreferencePair> train = Datasets.load(SAMPLE.resolve("shapes/meta.json")).seed(42);
        // color 300×1.0 + count 200×2.0 + position 250×1.0 + compare 100×1.0 + text floor(120×0.5)
        assertEquals(300 + 400 + 250 + 100 + 60, train.size());
        Dataset<PreferencePair> eval = Datasets.load(SAMPLE.resolve("shapes/meta_eval.json"));
        assertEquals(40 + 40 + 30 + 20 + 20, eval.size());
        // every record reads (images exist and decode, placeholders match)
        Map<Integer, Long> byImages = train.stream().collect(Collectors.groupingBy(p -> p.images().size(), Collectors.counting()));
        assertEquals(Map.of(0, 60L, 1, 950L, 2, 100L), byImages);
        assertEquals(Map.of(0, 20L, 1, 110L, 2, 20L),
                eval.stream().collect(Collectors.groupingBy(p -> p.images().size(), Collectors.counting())));
        // held-out eval uses different images
        Set<Path> trainImages = train.stream().flatMap(p -> p.images().stream()).collect(Collectors.toSet());
        Set<Path> evalImages = eval.stream().flatMap(p -> p.images().stream()).collect(Collectors.toSet());
        assertFalse(evalImages.isEmpty());
        assertTrue(evalImages.stream().noneMatch(trainImages::contains));
        // per-dataset options: the position set carries max_dynamic_patch 4, compare 6
        assertTrue(train.stream().anyMatch(p -> Integer.valueOf(4).equals(p.imageOptions().maxDynamicPatch())));
        assertTrue(train.stream().filter(p -> p.images().size() == 2).allMatch(p -> p.imageOptions().maxDynamicPatch() == 6));
        Split<PreferencePair> split = train.split(0.9);
        assertEquals(999, split.train().size());
        assertEquals(111, split.eval().size());
    }

    @Test
    void trlFilesHoldTheSamePairsInFourShapes() {
        List<String> names = List.of("standard_explicit", "standard_implicit", "conversational_explicit", "conversational_implicit");
        List<List<PreferencePair>> all = names.stream()
                .map(n -> Datasets.load(SAMPLE.resolve("trl/" + n + ".jsonl")).toList()).toList();
        for (List<PreferencePair> pairs : all) assertEquals(160, pairs.size());
        for (int i = 0; i < 160; i++) {
            PreferencePair ref = all.get(0).get(i);
            for (List<PreferencePair> other : all) {
                PreferencePair p = other.get(i);
                assertEquals(ref.question(), p.question(), p.source().toString());
                assertEquals(ref.chosen(), p.chosen().strip(), p.source().toString());   // implicit: TRL keeps the space
                assertEquals(ref.rejected(), p.rejected().strip(), p.source().toString());
                assertEquals(ref.images(), p.images());
            }
        }
        assertTrue(all.get(0).stream().anyMatch(p -> p.images().size() == 2));
        assertTrue(all.get(0).stream().anyMatch(p -> p.images().isEmpty()));
        assertEquals(160, Datasets.load(SAMPLE.resolve("trl")).size() / 4);
    }

    @Test
    void rewardPairsHaveAllThreeLabels() {
        Dataset<RewardPair> train = Datasets.loadReward(SAMPLE.resolve("reward/train.jsonl"));
        Dataset<RewardPair> eval = Datasets.loadReward(SAMPLE.resolve("reward/eval.jsonl"));
        assertEquals(300, train.size());
        assertEquals(70, eval.size());
        Set<String> labels = train.stream().map(r -> r.labels().get("preference")).collect(Collectors.toSet());
        assertEquals(Set.of("A", "B", "C"), labels);
        assertEquals(List.of("source", "prompt", "response0", "response1", "images", "labels"), train.take(3).table().columnNames());
    }

    @Test
    void facadeLoadsTheSample() {
        var data = mpo4j.Mpo.dataset("../datasets-sample/shapes/meta.json").seed(42).split(0.9);
        assertEquals(999, data.train().size());
        assertEquals(300, mpo4j.Mpo.rewardDataset("../datasets-sample/reward/train.jsonl").size());
    }
}
