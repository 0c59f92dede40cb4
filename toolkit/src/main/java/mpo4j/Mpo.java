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

    /**
     * Preference pairs from an MMPR meta.json, a TRL/MMPR JSONL file, or a folder:
     * {@code dataset("datasets-sample/shapes/meta.json").seed(42).split(0.9)}.
     */
    public static mpo4j.data.Dataset<mpo4j.data.PreferencePair> dataset(String path) {
        return mpo4j.data.Datasets.load(path);
    }

    /** Reward-model pairs (response0/response1/labels JSONL): {@code rewardDataset("datasets-sample/reward/train.jsonl")}. */
    public static mpo4j.data.Dataset<mpo4j.data.RewardPair> rewardDataset(String path) {
        return mpo4j.data.Datasets.loadReward(path);
    }


    // ---------------------------------------------------------------- vision (mpo4j.vision)


    // ---------------------------------------------------------------- text (mpo4j.text)


    // ---------------------------------------------------------------- collate (mpo4j.collate)


    // ---------------------------------------------------------------- loss (mpo4j.loss)


    // ---------------------------------------------------------------- model (mpo4j.model)


    // ---------------------------------------------------------------- train (mpo4j.train)


    // ---------------------------------------------------------------- reward (mpo4j.reward)


    // ---------------------------------------------------------------- plot (mpo4j.plot)


    // ---------------------------------------------------------------- notebook (mpo4j.notebook)

}
