package mpo4j.collate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.data.ChatMessage;
import mpo4j.data.ImageOptions;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.text.EncodedSequence;
import mpo4j.text.Tokenizer;
import mpo4j.text.Truncation;
import mpo4j.vision.Tiling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import mpo4j.text.Labels;

class CollatorTest {
    static final long PAD = 2042, CONTEXT = 2047;
    static Tokenizer tok;
    static InternVlCollator collator;
    @TempDir
    static Path dir;
    static Path wide, square, noisy;

    @BeforeAll
    static void setUp() throws Exception {
        Mpo4jEngine.ensureOffline();
        tok = Tokenizer.load(Path.of("..", "datasets-sample", "tokenizer"));
        collator = InternVlCollator.of(tok).tileSize(64).tokensPerTile(16).maxTiles(6).maxSeqLength(512);
        wide = png("wide.png", 128, 64, 1);    // aspect 2 → 2x1 + thumbnail = 3 tiles
        square = png("square.png", 64, 64, 2); // 1x1 = 1 tile
        noisy = png("noisy.png", 64, 64, 3);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    static Path png(String name, int w, int h, long seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt(0x1000000));
        Path p = dir.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    static PreferencePair pair(String q, String chosen, String rejected, List<Path> images, int line) {
        return PreferencePair.of(q, chosen, rejected, images, new Source("t.jsonl", line));
    }

    static List<PreferencePair> threePairs() {
        return List.of(
                pair("<image>\nWhat color is the circle?", "The circle is red.", "blue", List.of(wide), 1),
                pair("How many squares are there?", "3", "There are four squares.", List.of(), 2),
                pair("<image>\nIs the star on the left or the right?", "left", "right", List.of(square), 3));
    }

    @Test
    void chosenAndRejectedArePaddedIndependentlyWithThePadIdAndIgnoredLabels() {
        List<PreferencePair> pairs = threePairs();
        PreferenceBatch b = collator.collate(pairs);
        var enc = collator.encoder();
        int[] tiles = {3, 0, 1};
        for (int p = 0; p < 3; p++) {
            int[] perImage = tiles[p] == 0 ? new int[0] : new int[] {tiles[p]};
            EncodedSequence c = enc.encode(pairs.get(p).prompt(), pairs.get(p).chosen(), perImage, pairs.get(p).source());
            EncodedSequence r = enc.encode(pairs.get(p).prompt(), pairs.get(p).rejected(), perImage, pairs.get(p).source());
            assertEquals(c.length(), b.chosen().lengths()[p]);
            assertEquals(r.length(), b.rejected().lengths()[p]);
            assertRow(b.chosen(), p, c);
            assertRow(b.rejected(), p, r);
        }
        int longestChosen = Arrays.stream(b.chosen().lengths()).max().getAsInt();
        int longestRejected = Arrays.stream(b.rejected().lengths()).max().getAsInt();
        assertEquals(longestChosen, b.chosen().length());
        assertEquals(longestRejected, b.rejected().length());
        assertTrue(b.chosen().length() != b.rejected().length(), "different answers give different padded lengths");
        // the concatenated view pads both to the longer one, chosen rows first
        SequenceBatch all = b.concatenated();
        assertEquals(6, all.rows());
        assertEquals(Math.max(longestChosen, longestRejected), all.length());
        assertEquals(b.rejected().lengths()[1], all.lengths()[4]);
    }

    static void assertRow(SequenceBatch s, int row, EncodedSequence expected) {
        float[] mask = s.attentionMask();
        for (int t = 0; t < s.length(); t++) {
            boolean real = t < expected.length();
            assertEquals(real ? expected.ids()[t] : PAD, s.inputId(row, t), "id " + row + "," + t);
            assertEquals(real ? expected.labels()[t] : Labels.IGNORE, s.label(row, t), "label " + row + "," + t);
            assertEquals(real ? 1f : 0f, mask[row * s.length() + t], "mask " + row + "," + t);
        }
    }

    @Test
    void maskComesFromTrueLengthsEvenForARealPadToken() {
        // the answer text contains the pad token itself: a real token with id == pad id must stay unmasked
        PreferenceBatch b = collator.collate(List.of(
                pair("Say the end token.", "<|endoftext|>", "no", List.of(), 1),
                pair("Say a long answer please.", "The circle is red and the square is blue.", "no", List.of(), 2)));
        SequenceBatch c = b.chosen();
        int len = c.lengths()[0];
        int padPos = -1;
        for (int t = 0; t < len; t++) if (c.inputId(0, t) == PAD) padPos = t;
        assertTrue(padPos > 0, "the real <|endoftext|> token is in row 0");
        assertEquals(1f, c.attentionMask()[padPos]);
        assertEquals(PAD, c.label(0, padPos));                  // and it is trained
        assertEquals(0f, c.attentionMask()[len]);                // the first padding position
        assertTrue(len < c.length());
    }

    @Test
    void pixelValuesAreStoredOncePerPairWithTileOffsets() {
        PreferenceBatch b = collator.collate(threePairs());
        assertArrayEquals(new int[] {0, 3, 3, 4}, b.tileOffsets());
        assertEquals(4, b.tiles());
        assertArrayEquals(new int[] {1, 1, 1, 1}, b.imageFlags());
        assertEquals(4 * 3 * 64 * 64, b.pixelValues().length);
        Tiling t = Tiling.defaults().withTileSize(64).withMaxTiles(6);
        float[] expected = new float[b.pixelValues().length];
        System.arraycopy(t.tile(wide).pixels(), 0, expected, 0, 3 * 3 * 64 * 64);
        System.arraycopy(t.tile(square).pixels(), 0, expected, 3 * 3 * 64 * 64, 3 * 64 * 64);
        assertArrayEquals(expected, b.pixelValues());
        // each row holds 16 <IMG_CONTEXT> per tile of its own pair, chosen and rejected alike
        int[] tiles = {3, 0, 1};
        for (int p = 0; p < 3; p++) {
            assertEquals(16 * tiles[p], count(b.chosen(), p, CONTEXT));
            assertEquals(16 * tiles[p], count(b.rejected(), p, CONTEXT));
        }
        String summary = b.summary();
        assertTrue(summary.contains("pixel_values [4, 3, 64, 64]"), summary);
        assertTrue(summary.contains("tiles 3 (0..3)"), summary);
        int start = indexOf(b.chosen(), 0, CONTEXT);
        assertTrue(summary.contains("image tokens " + start + ".." + (start + 48)), summary);
        assertTrue(summary.contains("image tokens none"), summary);
    }

    static int count(SequenceBatch s, int row, long id) {
        int n = 0;
        for (int t = 0; t < s.lengths()[row]; t++) if (s.inputId(row, t) == id) n++;
        return n;
    }

    static int indexOf(SequenceBatch s, int row, long id) {
        for (int t = 0; t < s.lengths()[row]; t++) if (s.inputId(row, t) == id) return t;
        return -1;
    }

    @Test
    void textOnlyBatchHasNoTiles() {
        PreferenceBatch b = collator.collate(List.of(pair("Hi", "hello", "go away", List.of(), 1)));
        assertEquals(0, b.tiles());
        assertFalse(b.hasImages());
        assertArrayEquals(new int[] {0, 0}, b.tileOffsets());
        assertEquals(0, b.imageFlags().length);
    }

    @Test
    void perPairMaxDynamicPatchAndMultiImageLimit() {
        Source s = new Source("m.jsonl", 4);
        var capped = new PreferencePair(List.of(ChatMessage.user("<image>\nWhat?")), "a", "b", List.of(wide), s, new ImageOptions(1, false));
        var two = new PreferencePair(List.of(ChatMessage.user("<image><image>\nSame?")), "a", "b", List.of(wide, wide), s, ImageOptions.DEFAULT);
        PreferenceBatch b = collator.maxTiles(4).collate(List.of(capped, two));
        // capped: max 1 → 1x1, no thumbnail; two images share 4 → 2 each → 2x1 + thumbnail = 3 each
        assertArrayEquals(new int[] {0, 1, 7}, b.tileOffsets());
        assertEquals(16 * 6, count(b.chosen(), 1, CONTEXT));
    }

    @Test
    void parallelLoadingGivesTheSameBatch() {
        List<PreferencePair> pairs = List.of(threePairs().get(0), threePairs().get(2), threePairs().get(0), threePairs().get(1));
        PreferenceBatch one = collator.collate(pairs);
        PreferenceBatch four = collator.threads(4).collate(pairs);
        assertArrayEquals(one.pixelValues(), four.pixelValues());
        assertArrayEquals(one.tileOffsets(), four.tileOffsets());
        assertArrayEquals(one.chosen().inputIds(), four.chosen().inputIds());
    }

    @Test
    void augmentationIsSeededAndChangesPixels() {
        var aug = new PreferencePair(List.of(ChatMessage.user("<image>\nWhat?")), "a", "b", List.of(noisy), new Source("a.jsonl", 1),
                new ImageOptions(null, true));
        var plain = pair("<image>\nWhat?", "a", "b", List.of(noisy), 1);
        float[] clean = collator.collate(List.of(plain)).pixelValues();
        float[] a1 = collator.seed(5).collate(List.of(aug)).pixelValues();
        float[] a2 = collator.seed(5).collate(List.of(aug)).pixelValues();
        assertArrayEquals(a1, a2);
        assertFalse(Arrays.equals(clean, a1), "JPEG re-encode must change a noisy image");
    }

    @Test
    void errorsNameThePair() {
        var missing = assertThrows(IllegalArgumentException.class, () -> collator.collate(
                List.of(pair("<image>\nq", "a", "b", List.of(dir.resolve("gone.png")), 9))));
        assertTrue(missing.getMessage().contains("gone.png") && missing.getMessage().contains("t.jsonl:9"), missing.getMessage());
        var noRejected = assertThrows(IllegalArgumentException.class, () -> collator.collate(
                List.of(pair("q", "a", null, List.of(), 8))));
        assertTrue(noRejected.getMessage().contains("t.jsonl:8") && noRejected.getMessage().contains("rejected"), noRejected.getMessage());
        var cut = assertThrows(IllegalArgumentException.class, () -> collator.maxSeqLength(40).collate(threePairs()));
        assertTrue(cut.getMessage().contains("t.jsonl:1") && cut.getMessage().contains("image tokens"), cut.getMessage());
        assertThrows(IllegalArgumentException.class, () -> collator.collate(List.of()));
    }

    @Test
    void trlRowsShareOneLengthRoundedToAMultiple() {
        PreferenceBatch b = collator.trl().padToMultipleOf(8).collate(threePairs());
        PreferenceBatch plain = collator.collate(threePairs());
        int longest = Math.max(plain.chosen().length(), plain.rejected().length());
        int rounded = (longest + 7) / 8 * 8;
        assertEquals(rounded, b.chosen().length());
        assertEquals(rounded, b.rejected().length());
        assertArrayEquals(plain.chosen().lengths(), b.chosen().lengths());
        assertArrayEquals(plain.rejected().lengths(), b.rejected().lengths());
        SequenceBatch rows = b.concatenated();
        assertEquals(6, rows.rows());
        // completion mask = trained labels: "left<|im_end|>" in pair 2's chosen row (row 2)
        float[] cm = rows.completionMask();
        int trained = 0;
        for (int t = 0; t < rows.length(); t++) trained += (int) cm[2 * rows.length() + t];
        assertEquals(tok.encode("left").length + 1, trained);
        assertNull(b.refChosenLogps());
    }

    @Test
    void trlTruncationKeepStartAndKeepEnd() {
        List<PreferencePair> text = List.of(pair("How many squares are there in the picture?", "There are three squares.", "two", List.of(), 1));
        PreferenceBatch full = collator.trl().collate(text);
        int n = full.chosen().lengths()[0];
        int max = n - 4;
        PreferenceBatch start = collator.trl().maxLength(max).truncation(Truncation.KEEP_START).collate(text);
        PreferenceBatch end = collator.trl().maxLength(max).truncation(Truncation.KEEP_END).collate(text);
        assertEquals(max, start.chosen().lengths()[0]);
        assertEquals(max, end.chosen().lengths()[0]);
        for (int t = 0; t < max; t++) {
            assertEquals(full.chosen().inputId(0, t), start.chosen().inputId(0, t));
            assertEquals(full.chosen().inputId(0, t + 4), end.chosen().inputId(0, t));
        }
        // keep_start cut the untrained trailing "\n" and 3 trained tokens; keep_end kept all of them
        assertEquals(full.chosen().completionTokens(0) - 3, start.chosen().completionTokens(0));
        assertEquals(full.chosen().completionTokens(0), end.chosen().completionTokens(0));
        // the rejected row is shorter than max: untouched
        assertEquals(full.rejected().lengths()[0], end.rejected().lengths()[0]);
    }

    @Test
    void trlReferenceLogpsAreAttachedAndChecked() {
        PreferenceBatch b = collator.trl().collate(threePairs(), new float[] {-1, -2, -3}, new float[] {-4, -5, -6});
        assertTrue(b.hasPrecomputedReference());
        assertArrayEquals(new float[] {-4, -5, -6}, b.refRejectedLogps());
        var e = assertThrows(IllegalArgumentException.class,
                () -> collator.trl().collate(threePairs(), new float[] {-1}, new float[] {-4}));
        assertTrue(e.getMessage().contains("one per pair (3)"), e.getMessage());
    }

    @Test
    void facadeBuildsTheSameCollator() {
        var viaFacade = mpo4j.Mpo.collator(tok).tileSize(64).tokensPerTile(16).maxTiles(6).maxSeqLength(512);
        PreferenceBatch a = viaFacade.collate(threePairs());
        PreferenceBatch b = collator.collate(threePairs());
        assertArrayEquals(b.chosen().inputIds(), a.chosen().inputIds());
        assertEquals(64, mpo4j.Mpo.tiling().withTileSize(64).tileSize());
    }
}
