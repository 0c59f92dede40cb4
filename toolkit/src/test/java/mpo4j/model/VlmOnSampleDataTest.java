package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import mpo4j.Mpo;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.Test;

/** The model consumes what the real collator produces from the committed sample data. */
class VlmOnSampleDataTest {

    @Test
    void collatedSamplePairsRunThroughTheTinyModel() {
        List<PreferencePair> pairs = Mpo.dataset("../datasets-sample/shapes/meta.json").seed(42).take(2).toList();
        try (Tokenizer tok = Tokenizer.load(Path.of("..", "datasets-sample", "tokenizer"));
                TinyVlm model = Mpo.tinyVlm().config(TestBatches.small()).tokenizer(tok).seed(42).build();
                NDManager scope = model.manager().newSubManager()) {
            TinyVlmConfig.Vision v = model.config().vision();
            PreferenceBatch batch = Mpo.collator(tok).tileSize(v.tileSize()).tokensPerTile(model.config().tokensPerTile())
                    .maxTiles(6).maxSeqLength(1024).collate(pairs);
            assertTrue(batch.hasImages());
            NDArray logits = model.forward(batch.concatenated().tokens(), batch.images(scope), scope);
            assertEquals(new Shape(4, batch.concatenated().length(), 2048), logits.getShape());
            NDArray twice = model.forward(batch.concatenated().tokens(), batch.imagesPerRow(scope), scope);
            assertArrayEquals(twice.toFloatArray(), logits.toFloatArray(), 1e-5f);
        }
    }
}
