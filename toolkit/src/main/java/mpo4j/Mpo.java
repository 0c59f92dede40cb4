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

    /** InternVL dynamic tiling with its defaults (448 px, 1..12 tiles, thumbnail); refine with {@code withX}. */
    public static mpo4j.vision.Tiling tiling() {
        return mpo4j.vision.Tiling.defaults();
    }

    // ---------------------------------------------------------------- text (mpo4j.text)

    /** Loads a Hugging Face tokenizer.json (a folder or the file), offline. */
    public static mpo4j.text.Tokenizer tokenizer(String path) {
        return mpo4j.text.Tokenizer.load(java.nio.file.Path.of(path));
    }

    /** InternVL's {@code internvl2_5} ChatML chat template. */
    public static mpo4j.text.ChatTemplate chatTemplate() {
        return mpo4j.text.ChatTemplate.internVl25();
    }

    // ---------------------------------------------------------------- collate (mpo4j.collate)

    /** An InternVL-style preference collator for {@code tokenizer}; {@code .trl()} gives the TRL-style one. */
    public static mpo4j.collate.InternVlCollator collator(mpo4j.text.Tokenizer tokenizer) {
        return mpo4j.collate.InternVlCollator.of(tokenizer);
    }

    // ---------------------------------------------------------------- loss (mpo4j.loss)


    // ---------------------------------------------------------------- model (mpo4j.model)


    // ---------------------------------------------------------------- train (mpo4j.train)


    // ---------------------------------------------------------------- reward (mpo4j.reward)


    // ---------------------------------------------------------------- plot (mpo4j.plot)


    // ---------------------------------------------------------------- notebook (mpo4j.notebook)

}
