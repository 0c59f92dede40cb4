package mpo4j.collate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.data.Dataset;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.text.Tokenizer;
import mpo4j.vision.Tiling;
import org.junit.jupiter.api.Test;

/** The committed sample data (every MMPR sub-dataset: single, multi-image, text-only) collates. */
class SampleDataCollateTest {

    @Test
    void everySampleSubDatasetCollatesWithConsistentTiles() {
        Mpo4jEngine.ensureOffline();
        Dataset<PreferencePair> data = Datasets.load("../datasets-sample/shapes/meta.json").seed(42);
        try (Tokenizer tok = Tokenizer.load(Path.of("..", "datasets-sample", "tokenizer"))) {
            InternVlCollator collator = InternVlCollator.of(tok).tileSize(64).tokensPerTile(16).maxTiles(6).maxSeqLength(1024);
            List<PreferencePair> all = data.toList();
            // one pair of each kind: text-only, two images, one image
            PreferencePair text = all.stream().filter(p -> p.images().isEmpty()).findFirst().orElseThrow();
            PreferencePair two = all.stream().filter(p -> p.images().size() == 2).findFirst().orElseThrow();
            PreferencePair one = all.stream().filter(p -> p.images().size() == 1).findFirst().orElseThrow();
            PreferenceBatch b = collator.collate(List.of(text, two, one));
            assertEquals(0, b.tilesOf(0));
            Tiling tiling = collator.tiling();
            int expectedTwo = 0;
            Tiling perImage = (two.imageOptions().maxDynamicPatch() != null
                    ? tiling.withMaxTiles(two.imageOptions().maxDynamicPatch()) : tiling).perImage(2);
            for (Path img : two.images()) {
                var size = mpo4j.vision.RgbImages.read(img, two.source());
                expectedTwo += perImage.grid(size.getWidth(), size.getHeight()).tiles();
            }
            assertEquals(expectedTwo, b.tilesOf(1));
            for (int p = 0; p < 3; p++) {
                long contexts = 0;
                for (int t = 0; t < b.chosen().lengths()[p]; t++) {
                    if (b.chosen().inputId(p, t) == tok.imageContextId()) contexts++;
                }
                assertEquals(16L * b.tilesOf(p), contexts, "pair " + p);
                assertTrue(b.chosen().completionTokens(p) >= 2);
            }
            // a Dataset is Iterable: it can be passed directly
            assertEquals(4, collator.collate(data.take(4)).pairs());
        }
    }
}
