package mpo4j.reward;

import java.util.List;
import mpo4j.collate.InternVlCollator;
import mpo4j.data.ImageOptions;
import mpo4j.data.PreferencePair;
import mpo4j.data.RewardPair;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Tokenizer;

/**
 * Turns {@link RewardPair}s into a {@link RewardBatch} with the pipeline's InternVL collator (same
 * tokenizer, ChatML template, image expansion and tiling as preference training): each pair becomes
 * the two rows {@code prompt + response0} and {@code prompt + response1}, whose images are tiled once.
 */
public final class RewardCollator {
    private final InternVlCollator collator;

    private RewardCollator(InternVlCollator collator) {
        this.collator = collator;
    }

    /** Wraps a configured InternVL collator. */
    public static RewardCollator of(InternVlCollator collator) {
        return new RewardCollator(collator);
    }

    /** A collator whose tile size and tokens per tile match {@code model} (a text-only model keeps the defaults). */
    public static RewardCollator forModel(Tokenizer tokenizer, TinyVlmConfig model) {
        InternVlCollator c = InternVlCollator.of(tokenizer);
        if (model.hasVision()) {
            c = c.tileSize(model.vision().tileSize()).tokensPerTile(model.tokensPerTile());
        }
        return new RewardCollator(c);
    }

    /** The underlying preference collator. */
    public InternVlCollator collator() { return collator; }

    /** The same with another underlying collator (e.g. {@code c.with(c.collator().maxTiles(1))}). */
    public RewardCollator with(InternVlCollator other) { return new RewardCollator(other); }

    /**
     * Collates {@code pairs}; errors (missing image, placeholder mismatch, truncation) name the pair's file and line.
     */
    public RewardBatch collate(List<RewardPair> pairs) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cannot collate an empty list of reward pairs");
        }
        List<PreferencePair> sides = pairs.stream().map(RewardCollator::asSides).toList();
        return new RewardBatch(collator.collate(sides), pairs.stream().map(RewardPair::labels).toList(),
                pairs.stream().map(RewardPair::source).toList());
    }

    /**
     * Response 0 in the chosen slot and response 1 in the rejected slot: a layout, not a preference. A
     * {@link RewardPair} has no {@code tools} column and no tool calls in its responses (its readers take
     * plain text); its prompt turns are passed as they are, tool calls and {@code tool} turns included.
     */
    private static PreferencePair asSides(RewardPair p) {
        if (p.response0() == null || p.response1() == null) {
            throw new IllegalArgumentException(p.source() + ": reward pair needs both response0 and response1");
        }
        return new PreferencePair(p.prompt(), p.response0(), p.response1(), p.images(), p.source(), ImageOptions.DEFAULT);
    }

    @Override
    public String toString() { return "RewardCollator[" + collator + "]"; }
}
