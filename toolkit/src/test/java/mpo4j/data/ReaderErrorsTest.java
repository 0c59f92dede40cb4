package mpo4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static mpo4j.data.Files4Test.png;
import static mpo4j.data.Files4Test.write;
import static org.junit.jupiter.api.Assertions.*;

/** Every bad-input case names file, line and field; SKIP drops and counts instead. */
class ReaderErrorsTest {
    @TempDir
    Path dir;

    private String fail(Path file, int index) {
        Dataset<PreferencePair> d = Datasets.load(file);
        return assertThrows(DatasetException.class, () -> d.get(index)).getMessage();
    }

    @Test
    void malformedJsonNamesFileAndLine() {
        Path f = write(dir.resolve("bad.jsonl"),
                "{\"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                "",
                "{\"question\": \"q\", \"chosen\": \"c\", \"rejected\": ",
                "{\"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        // the blank line 2 is not a record, but line numbers stay physical
        String msg = fail(f, 1);
        assertTrue(msg.startsWith(f + ":3: malformed JSON"), msg);
    }

    @Test
    void missingKeyNamesField() {
        Path f = write(dir.resolve("missing.jsonl"), "{\"question\": \"q\", \"rejected\": \"r\"}");
        // a TRL-looking line (no chosen, but no question either) vs an MMPR line without chosen
        assertEquals(f + ":1: field \"chosen\": missing", fail(f, 0));
        Path g = write(dir.resolve("missing2.jsonl"), "{\"question\": \"q\", \"chosen\": \"c\"}");
        assertEquals(g + ":1: field \"rejected\": missing", fail(g, 0));
    }

    @Test
    void wrongTypeNamesFieldAndType() {
        Path f = write(dir.resolve("type.jsonl"), "{\"question\": 42, \"chosen\": \"c\", \"rejected\": \"r\"}");
        assertEquals(f + ":1: field \"question\": expected a string, found a number", fail(f, 0));
        Path g = write(dir.resolve("type2.jsonl"), "{\"image\": {\"a\": 1}, \"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        assertEquals(g + ":1: field \"image\": expected a string or a list of strings, found an object", fail(g, 0));
        Path h = write(dir.resolve("type3.jsonl"), "[1, 2]");
        assertTrue(assertThrows(DatasetException.class, () -> Datasets.load(h).get(0)).getMessage()
                .startsWith(h + ":1:"));
    }

    @Test
    void missingImageNamesFileLineAndPath() {
        Path f = write(dir.resolve("img.jsonl"), "{\"image\": \"nope.png\", \"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        assertEquals(f + ":1: field \"image\": image file not found: " + dir.resolve("nope.png"), fail(f, 0));
    }

    @Test
    void corruptImageIsReportedOnRead() throws Exception {
        Files.writeString(dir.resolve("fake.png"), "this is not a png");
        Path f = write(dir.resolve("img.jsonl"), "{\"image\": \"fake.png\", \"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        assertEquals(f + ":1: field \"image\": not a decodable image: " + dir.resolve("fake.png"), fail(f, 0));
    }

    @Test
    void skipModeDropsCountsAndReports() {
        png(dir.resolve("ok.png"), 3, 3);
        Path f = write(dir.resolve("mixed.jsonl"),
                "{\"image\": \"ok.png\", \"question\": \"q1\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                "{\"question\": \"q2\", \"chosen\": \"c\", \"rejected\": ",                       // malformed
                "{\"question\": \"q3\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                "{\"question\": \"q4\", \"rejected\": \"r\"}",                                     // missing chosen
                "{\"image\": \"gone.png\", \"question\": \"q5\", \"chosen\": \"c\", \"rejected\": \"r\"}", // missing image
                "{\"image\": [\"ok.png\", \"ok.png\"], \"question\": \"<image> q6\", \"chosen\": \"c\", \"rejected\": \"r\"}", // 1 placeholder, 2 images
                "{\"question\": \"q7\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        Dataset<PreferencePair> strict = Datasets.load(f);
        assertEquals(7, strict.size());
        assertEquals(0, strict.skipped());
        Dataset<PreferencePair> lenient = strict.onError(OnError.SKIP);
        assertEquals(3, lenient.size());
        assertEquals(4, lenient.skipped());
        assertEquals(java.util.List.of("<image>\nq1", "q3", "q7"), Files4Test.questions(lenient));
        assertTrue(lenient.toString().contains("4 bad lines skipped"), lenient.toString());
        assertEquals("preference pairs (4 bad lines skipped)", lenient.table().name());
        assertEquals("preference pairs", strict.take(1).table().name());
        // the count survives later views
        assertEquals(4, lenient.seed(3).shuffle().take(2).skipped());
        assertThrows(UnsupportedOperationException.class, () -> lenient.take(2).onError(OnError.FAIL));
    }

    @Test
    void skipModeWithRepeatTimeSamplesAmongGoodLines() {
        write(dir.resolve("a.jsonl"),
                "{\"question\": \"q1\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                "not json",
                "{\"question\": \"q3\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        Path meta = write(dir.resolve("meta.json"), "{\"a\": {\"root\": \".\", \"annotation\": \"a.jsonl\", \"repeat_time\": 3}}");
        Dataset<PreferencePair> d = Datasets.load(meta).onError(OnError.SKIP);
        assertEquals(6, d.size());
        assertEquals(1, d.skipped());
    }

    @Test
    void rewardFileIsNotAPreferenceFile() {
        Path f = write(dir.resolve("rm.jsonl"), "{\"question\": \"q\", \"response0\": \"a\", \"response1\": \"b\", \"labels\": {\"preference\": \"A\"}}");
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.load(f));
        assertTrue(e.getMessage().contains("use loadReward / rewardDataset"), e.getMessage());
        assertEquals("A", Datasets.loadReward(f).get(0).labels().get("preference"));
    }

    @Test
    void rewardLabelsMustBeStrings() {
        Path f = write(dir.resolve("rm.jsonl"), "{\"question\": \"q\", \"response0\": \"a\", \"response1\": \"b\", \"labels\": {\"preference\": 1}}");
        assertEquals(f + ":1: field \"labels.preference\": expected \"A\", \"B\", \"C\" or null, found a number",
                assertThrows(DatasetException.class, () -> Datasets.loadReward(f).get(0)).getMessage());
    }

    @Test
    void aNullRewardLabelMeansNoLabelForThatHead() {
        Path f = write(dir.resolve("rm.jsonl"),
                "{\"question\": \"q\", \"response0\": \"a\", \"response1\": \"b\", \"labels\": {\"preference\": \"A\", \"safety\": null}}");
        RewardPair p = Datasets.loadReward(f).get(0);
        assertEquals(java.util.Map.of("preference", "A", "safety", RewardPair.NO_LABEL), p.labels());
        // built in code, a missing label may be null too (Map.copyOf used to throw a NullPointerException)
        java.util.Map<String, String> labels = new java.util.HashMap<>();
        labels.put("preference", null);
        assertEquals("", new RewardPair(p.prompt(), "a", "b", java.util.List.of(), labels, p.source()).labels().get("preference"));
    }

    @Test
    void aTruncatedPngPassesTheHeaderCheckButNotAFullValidation() throws Exception {
        Path good = png(dir.resolve("whole.png"), 64, 64);
        // a noisy image so the pixel data (IDAT) is long; keep the header and the first 60% of the bytes
        java.awt.image.BufferedImage noisy = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(1);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) noisy.setRGB(x, y, random.nextInt(1 << 24));
        javax.imageio.ImageIO.write(noisy, "png", good.toFile());
        byte[] bytes = Files.readAllBytes(good);
        Files.write(dir.resolve("cut.png"), java.util.Arrays.copyOf(bytes, bytes.length * 6 / 10));
        Path f = write(dir.resolve("cut.jsonl"),
                "{\"image\": \"whole.png\", \"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                "{\"image\": \"cut.png\", \"question\": \"q\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        Dataset<PreferencePair> d = Datasets.load(f);
        assertEquals(2, d.validate().size());                                   // only headers are read
        assertEquals(2, d.onError(OnError.SKIP).size());
        String msg = assertThrows(DatasetException.class, () -> d.validate(true)).getMessage();
        assertTrue(msg.startsWith(f + ":2: field \"image\": image does not decode completely: " + dir.resolve("cut.png") + " ("), msg);
        assertEquals(1, d.take(1).validate(true).size());
    }

    @Test
    void validateSurfacesTheFirstBadLineUpFront() {
        Path f = write(dir.resolve("v.jsonl"),
                "{\"question\": \"q1\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                "{\"question\": \"q2\", \"chosen\": 7, \"rejected\": \"r\"}");
        Dataset<PreferencePair> d = Datasets.mmprAnnotation(f);
        assertEquals(f + ":2: field \"chosen\": expected a string, found a number",
                assertThrows(DatasetException.class, d::validate).getMessage());
        assertEquals(1, d.take(1).validate().size());
    }
}
