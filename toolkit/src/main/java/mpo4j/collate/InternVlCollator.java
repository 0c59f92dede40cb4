package mpo4j.collate;

import java.util.ArrayList;
import java.util.List;
import mpo4j.data.PreferencePair;
import mpo4j.model.CausalLm;
import mpo4j.model.InternVlChatModel;
import mpo4j.text.ChatTemplate;
import mpo4j.text.EncodedSequence;
import mpo4j.text.PairEncoder;
import mpo4j.text.Tokenizer;
import mpo4j.text.Truncation;
import mpo4j.vision.Tiling;

/**
 * InternVL's {@code dpo_concat_pad_data_collator}, mpo4j style: each pair's images are tiled once
 * (stored once in the batch, shared by its chosen and rejected rows), chosen and rejected rows are
 * right-padded independently to their own longest length (ids with the tokenizer's pad id, labels
 * −100), and attention masks come from the true lengths.
 *
 * <p>Immutable; every setter returns a new collator.
 */
public final class InternVlCollator {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final Tiling tiling;
    private final int tokensPerTile;
    private final int maxSeqLength;
    private final long seed;
    private final int threads;

    private InternVlCollator(Tokenizer tokenizer, ChatTemplate template, Tiling tiling, int tokensPerTile, int maxSeqLength,
            long seed, int threads) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.tiling = tiling;
        this.tokensPerTile = tokensPerTile;
        this.maxSeqLength = maxSeqLength;
        this.seed = seed;
        this.threads = threads;
    }

    /**
     * InternVL's defaults: the tokenizer's chat template (else {@code internvl2_5}), 448 px tiles, up
     * to 12 with thumbnail, 256 tokens per tile, max sequence length 12288, seed 42, one loading thread.
     */
    public static InternVlCollator of(Tokenizer tokenizer) {
        return defaults(tokenizer);
    }

    /**
     * A collator matching {@code model}: its tokenizer, tile size and image tokens per tile, and its
     * {@link CausalLm#chatTemplate() chat template} (for an {@link InternVlChatModel}, also under LoRA,
     * the conversation template its {@code template} field names, e.g. {@code internvl2_5} with InternVL's
     * system message; otherwise the tokenizer's).
     *
     * @throws IllegalStateException when the model carries no tokenizer, or names a template mpo4j cannot render
     */
    public static InternVlCollator forModel(CausalLm model) {
        Tokenizer tokenizer = model.tokenizer().orElseThrow(() -> new IllegalStateException(
                "this model has no tokenizer to collate with: build it with .tokenizer(tok), load a checkpoint that "
                        + "has tokenizer.json, or use InternVlCollator.of(tokenizer)"));
        InternVlCollator withTemplate = of(tokenizer).template(model.chatTemplate());
        return model.vision().map(v -> withTemplate.tileSize(v.tileSize()).tokensPerTile(v.tokensPerTile())).orElse(withTemplate);
    }

    private static InternVlCollator defaults(Tokenizer tokenizer) {
        return new InternVlCollator(tokenizer, ChatTemplate.of(tokenizer), Tiling.defaults(), 256, 12288, 42, 1);
    }

    public InternVlCollator template(ChatTemplate t) { return new InternVlCollator(tokenizer, t, tiling, tokensPerTile, maxSeqLength, seed, threads); }

    public InternVlCollator tiling(Tiling t) { return new InternVlCollator(tokenizer, template, t, tokensPerTile, maxSeqLength, seed, threads); }

    public InternVlCollator tileSize(int px) { return tiling(tiling.withTileSize(px)); }

    /** Global tile limit ({@code max_dynamic_patch}); a pair's own {@code ImageOptions.maxDynamicPatch} overrides it. */
    public InternVlCollator maxTiles(int n) { return tiling(tiling.withMaxTiles(n)); }

    public InternVlCollator thumbnail(boolean on) { return tiling(tiling.withThumbnail(on)); }

    /** {@code <IMG_CONTEXT>} tokens per tile: {@code (tile/patch)^2 * downsample^2} (256 for InternVL, 16 for the tiny model). */
    public InternVlCollator tokensPerTile(int n) { return new InternVlCollator(tokenizer, template, tiling, n, maxSeqLength, seed, threads); }

    /** Longest row; longer rows are cut from the right (an error if that cuts an image or the whole answer). */
    public InternVlCollator maxSeqLength(int n) { return new InternVlCollator(tokenizer, template, tiling, tokensPerTile, n, seed, threads); }

    /** Seed of the {@code data_augment} JPEG qualities. */
    public InternVlCollator seed(long s) { return new InternVlCollator(tokenizer, template, tiling, tokensPerTile, maxSeqLength, s, threads); }

    /** Threads that decode and tile images; the batch is identical for any thread count. */
    public InternVlCollator threads(int n) { return new InternVlCollator(tokenizer, template, tiling, tokensPerTile, maxSeqLength, seed, Math.max(1, n)); }

    /**
     * A TRL-style collator with the same tokenizer, template, tiling and seed, and TRL's
     * {@code DPOConfig} defaults ({@code max_length} 1024, {@code truncation_mode} keep_start, no
     * {@code pad_to_multiple_of}).
     */
    public TrlCollator trl() { return TrlCollator.of(this); }

    public Tokenizer tokenizer() { return tokenizer; }

    public ChatTemplate template() { return template; }

    public Tiling tiling() { return tiling; }

    public int tokensPerTile() { return tokensPerTile; }

    public int maxSeqLength() { return maxSeqLength; }

    /** The encoder this collator uses for one row (handy for token-length columns). */
    public PairEncoder encoder() { return encoder(maxSeqLength, Truncation.KEEP_START); }

    PairEncoder encoder(int maxLength, Truncation truncation) {
        return new PairEncoder(tokenizer, template, tokensPerTile, maxLength, truncation);
    }

    PairImages images(List<PreferencePair> pairs) {
        return images(pairs, seed);
    }

    /** Tiles of {@code pairs}, with the {@code data_augment} JPEG qualities drawn from {@code augmentSeed}. */
    PairImages images(List<PreferencePair> pairs, long augmentSeed) {
        return PairImages.load(pairs, tiling, augmentSeed, 0, threads);
    }

    /**
     * Collates {@code pairs} (e.g. {@code dataset.take(8).toList()}).
     *
     * A pair's {@code tools} schemas and its answers' tool calls are rendered by the chat template as
     * TRL's {@code DPOTrainer} passes them ({@code tools=}, the answers as assistant messages with
     * {@code tool_calls}).
     *
     * @throws IllegalArgumentException naming the pair's source for a missing/corrupt image, a
     *         placeholder/image count mismatch, a missing rejected answer, a truncation through an
     *         image or through the whole answer, or tool calling fields the template cannot render
     */
    public PreferenceBatch collate(List<PreferencePair> pairs) {
        return collate(pairs, seed);
    }

    /**
     * Collates {@code pairs} with the image augmentation drawn from {@code augmentSeed} instead of the
     * collator's seed: the same pairs and seed always give the same batch (a trainer passes a seed
     * derived from the run seed and the pairs' indices, so a resumed run sees the same tiles).
     */
    public PreferenceBatch collate(List<PreferencePair> pairs, long augmentSeed) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cannot collate an empty list of pairs");
        }
        PairImages images = images(pairs, augmentSeed);
        PairEncoder encoder = encoder();
        List<EncodedSequence> chosen = new ArrayList<>(), rejected = new ArrayList<>();
        for (int p = 0; p < pairs.size(); p++) {
            PreferencePair pair = pairs.get(p);
            encodePair(encoder, pair, images.tilesPerImage(p), chosen, rejected);
        }
        long pad = tokenizer.padId();
        return new PreferenceBatch(Rows.pad(chosen, pad, 0, 1), Rows.pad(rejected, pad, 0, 1), images.pixelValues,
                images.totalTiles, tiling.tileSize(), images.imageFlags, images.tileOffsets,
                pairs.stream().map(PreferencePair::source).toList(), null, null);
    }

    /** Collates any iterable of pairs, e.g. a {@code Dataset} ({@code collate(data.train().take(4))}). */
    public PreferenceBatch collate(Iterable<? extends PreferencePair> pairs) {
        List<PreferencePair> list = new ArrayList<>();
        pairs.forEach(list::add);
        return collate(list);
    }

    /**
     * A pair's chosen and rejected rows, with its tools and its answers' tool calls (see
     * {@link PairEncoder#encode(PreferencePair, int[])}).
     */
    static void encodePair(PairEncoder encoder, PreferencePair pair, int[] tiles, List<EncodedSequence> chosen,
            List<EncodedSequence> rejected) {
        List<EncodedSequence> rows = encoder.encode(pair, tiles);
        chosen.add(rows.get(0));
        rejected.add(rows.get(1));
    }

    @Override
    public String toString() {
        return "InternVlCollator[" + tiling + ", tokensPerTile=" + tokensPerTile + ", maxSeqLength=" + maxSeqLength
                + ", seed=" + seed + ", threads=" + threads + "]";
    }
}
