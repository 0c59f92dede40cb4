package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import mpo4j.Mpo;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import org.junit.jupiter.api.Test;
import mpo4j.collate.InternVlCollator;

/** A model carries its tokenizer, so {@code collator(model)} needs nothing else and survives save/load. */
class VlmCollatorTest {

    @Test
    void collatorFromTheModelMatchesItsTilesAndTokens(@org.junit.jupiter.api.io.TempDir Path dir) {
        List<PreferencePair> pairs = Datasets.load(Path.of("../datasets-sample/shapes/meta.json")).filter(p -> p.images().size() == 1).take(2).toList();
        try (TinyVlm model = Mpo.tinyVlm().seed(1).build()) {
            assertEquals(2042, model.config().tokens().pad(), "pad id comes from the sample tokenizer");
            PreferenceBatch batch = Mpo.collator(model).maxTiles(1).collate(pairs);
            assertEquals(64, batch.tileSize());
            assertEquals(2, batch.tiles(), "one 64 px tile per single-image pair at maxTiles 1");
            long contextTokens = java.util.Arrays.stream(batch.chosen().inputIds()).filter(id -> id == 2047).count();
            assertEquals(2 * 16, contextTokens, "16 <IMG_CONTEXT> per tile");
            try (NDManager scope = model.manager().newSubManager()) {
                assertEquals(2048, model.forward(batch.concatenated().tokens(), batch.images(scope), scope).getShape().get(2));
            }
            model.save(dir.resolve("ckpt"));
            try (TinyVlm again = TinyVlm.load(dir.resolve("ckpt"))) {
                assertTrue(again.tokenizer().isPresent(), "tokenizer.json travels with the checkpoint");
                assertEquals(batch.chosen().lengths()[0], InternVlCollator.forModel(again).maxTiles(1).collate(pairs).chosen().lengths()[0]);
            }
        }
    }

    @Test
    void aModelWithoutTokenizerSaysHowToGetACollator() {
        try (TinyVlm model = TinyVlm.builder(TinyVlmConfig.tinyVlm()).seed(1).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> InternVlCollator.forModel(model));
            assertTrue(e.getMessage().contains("has no tokenizer"), e.getMessage());
        }
    }
}
