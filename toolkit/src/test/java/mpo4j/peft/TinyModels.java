package mpo4j.peft;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.model.TinyVlmConfig;
import mpo4j.model.TokenIds;
import mpo4j.model.TokenRows;

/** A small TinyVlm and one image row, so adapter tests run every path (vision, projector, decoder) quickly. */
final class TinyModels {
    private TinyModels() {}

    /** The tiny model with 1 vision and 2 decoder layers. */
    static TinyVlmConfig small() {
        TinyVlmConfig tiny = TinyVlmConfig.tinyVlm();
        return tiny.withVision(tiny.vision().withLayers(1)).withText(tiny.text().withLayers(2));
    }

    /** One row: a text token, {@code <img>}, one tile of {@code <IMG_CONTEXT>}, {@code </img>}, three text tokens. */
    static TokenRows imageRow(TinyVlmConfig config) {
        TokenIds ids = config.tokens();
        List<Long> row = new ArrayList<>(List.of(5L, (long) ids.imgStart()));
        for (int i = 0; i < config.tokensPerTile(); i++) {
            row.add((long) ids.imgContext());
        }
        row.addAll(List.of((long) ids.imgEnd(), 7L, 9L, 11L));
        return TokenRows.of(row.stream().mapToLong(Long::longValue).toArray());
    }

    /** Logits of {@link #imageRow} with one seeded random tile. */
    static float[] logits(CausalLm model, TinyVlmConfig config) {
        try (NDManager scope = model.manager().newSubManager()) {
            int size = config.vision().tileSize();
            float[] pixels = new float[3 * size * size];
            Random random = new Random(11);
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            ImageInputs images = ImageInputs.single(scope.create(pixels, new Shape(1, 3, size, size)));
            return model.forward(imageRow(config), images, scope).toFloatArray();
        }
    }

    /** Sets every adapter's B to seeded values of scale 0.05, as after some training. */
    static void trainB(LoraModel model, long seed) {
        Random random = new Random(seed);
        for (LoraLayer layer : model.adapters().values()) {
            float[] b = new float[Math.toIntExact(layer.loraB().getArray().size())];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (random.nextGaussian() * 0.05);
            }
            layer.loraB().getArray().set(b);
        }
    }
}
