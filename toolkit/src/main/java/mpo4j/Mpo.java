package mpo4j;

/**
 * The notebook facade: {@code import static mpo4j.Mpo.*;} brings every fluent entry point into scope.
 *
 * <p>It only delegates; each capability lives in its own package ({@code data}, {@code vision},
 * {@code text}, {@code collate}, {@code loss}, {@code model}, {@code train}, {@code reward},
 * {@code plot}, {@code notebook}).
 */
public final class Mpo {
    static {
        Mpo4jEngine.ensureOffline();
    }

    private Mpo() {}

    // ---------------------------------------------------------------- data (mpo4j.data)


    // ---------------------------------------------------------------- vision (mpo4j.vision)


    // ---------------------------------------------------------------- text (mpo4j.text)


    // ---------------------------------------------------------------- collate (mpo4j.collate)


    // ---------------------------------------------------------------- loss (mpo4j.loss)


    // ---------------------------------------------------------------- model (mpo4j.model)

    /** The benchmark-sized InternVL-style model: {@code Vlm model = tinyVlm().seed(42).build();} */
    public static mpo4j.model.Vlm.Builder tinyVlm() {
        return mpo4j.model.Vlm.builder(mpo4j.model.VlmConfig.tinyVlm());
    }

    /** A model saved with {@code model.save(dir)} (Hugging Face layout: config.json + safetensors). */
    public static mpo4j.model.Vlm load(String path) {
        return mpo4j.model.Vlm.load(java.nio.file.Path.of(path));
    }


    // ---------------------------------------------------------------- train (mpo4j.train)


    // ---------------------------------------------------------------- reward (mpo4j.reward)


    // ---------------------------------------------------------------- plot (mpo4j.plot)


    // ---------------------------------------------------------------- notebook (mpo4j.notebook)

}
