package mpo4j.reward;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.data.ChatMessage;
import mpo4j.data.RewardPair;
import mpo4j.data.Source;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Tokenizer;

/** Small backbones and pairs for fast reward-model tests (2 shared cores). */
final class TinyRewardModels {
    private TinyRewardModels() {}

    static final Path TOKENIZER = Path.of("..", "datasets-sample", "tokenizer");
    static final Path REWARD = Path.of("..", "datasets-sample", "reward");

    static Tokenizer tokenizer() {
        Mpo4jEngine.ensureOffline();
        return Tokenizer.load(TOKENIZER);
    }

    /** The tiny VLM shrunk: width 32, {@code layers} layers, 32 px tiles of 8 px patches (4 tokens per tile). */
    static TinyVlmConfig config(int width, int layers) {
        TinyVlmConfig c = TinyVlmConfig.tinyVlm();
        return c.withText(c.text().withSize(width, 4, width * 3).withLayers(layers))
                .withVision(new TinyVlmConfig.Vision(32, 8, width, layers, 4, width * 4, 1e-6, 0.5, width));
    }

    static TinyVlm backbone(long seed) {
        return TinyVlm.builder(config(32, 1)).seed(seed).build();
    }

    /** One tile per image (the collator's {@code maxTiles(1)}) keeps rows short. */
    static RewardCollator collator(Tokenizer tok, TinyVlmConfig config) {
        RewardCollator c = RewardCollator.forModel(tok, config);
        return c.with(c.collator().maxTiles(1));
    }

    static RewardPair text(String question, String r0, String r1, String label, int line) {
        return new RewardPair(List.of(ChatMessage.user(question)), r0, r1, List.of(), Map.of(RewardModel.DEFAULT_HEAD, label),
                new Source("test.jsonl", line));
    }
}
