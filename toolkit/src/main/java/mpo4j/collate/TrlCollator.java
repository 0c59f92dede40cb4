package mpo4j.collate;

import java.awt.Dimension;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.text.EncodedSequence;
import mpo4j.text.Labels;
import mpo4j.text.PairEncoder;
import mpo4j.text.Truncation;
import mpo4j.vision.RgbImages;
import mpo4j.vision.Tiling;

/**
 * TRL's DPO collation: prompt+chosen rows for all pairs, then prompt+rejected rows (see
 * {@link PreferenceBatch#concatenated()}), all padded to one length (rounded up to
 * {@code padToMultipleOf}), {@code completion_mask} = the trained labels, and TRL's
 * {@code DPOConfig} defaults: {@code max_length} 1024 with {@code truncation_mode}
 * {@link Truncation#KEEP_START} (keep the first {@code max_length} tokens; {@link Truncation#KEEP_END}
 * keeps the last). Images are tiled once per pair, as in {@link InternVlCollator}, whose settings it
 * shares. {@link #collateTokenized} takes pre-tokenized examples as TRL's
 * {@code DataCollatorForPreference} does ({@code prompt_ids}, {@code chosen_ids}, {@code rejected_ids}).
 *
 * <p>Tool calling (TRL's "Tool Calling with DPO"): the prompt is rendered with the pair's {@code tools}
 * schemas and its tool calls and {@code tool} turns, and each answer (with its {@code tool_calls}) is the
 * text the chat template writes after that prompt, as TRL's {@code DPOTrainer} tokenizes it.
 *
 * <p>Immutable; every setter returns a new collator. {@link #validate(Iterable)} finds, before
 * training, every pair that truncation would leave without a completion token.
 */
public final class TrlCollator {
    /** TRL's {@code DPOConfig.max_length} default. */
    public static final int DEFAULT_MAX_LENGTH = 1024;
    /** TRL's {@code DPOConfig.truncation_mode} default ({@code "keep_start"}). */
    public static final Truncation DEFAULT_TRUNCATION = Truncation.KEEP_START;

    private final InternVlCollator base;
    private final int maxLength;
    private final Truncation truncation;
    private final int padToMultipleOf;

    TrlCollator(InternVlCollator base, int maxLength, Truncation truncation, int padToMultipleOf) {
        this.base = Objects.requireNonNull(base, "base");
        if (truncation == null) {
            throw new IllegalArgumentException("truncation_mode must be KEEP_START or KEEP_END, got null");
        }
        if (padToMultipleOf < 1) {
            throw new IllegalArgumentException("pad_to_multiple_of must be >= 1 (1 = no rounding), got " + padToMultipleOf);
        }
        this.maxLength = maxLength;
        this.truncation = truncation;
        this.padToMultipleOf = padToMultipleOf;
    }

    /**
     * A TRL-style collator over {@code base}'s tokenizer, template, tiling and seed, with TRL's
     * defaults: {@code max_length} 1024, {@code truncation_mode} keep_start, no {@code pad_to_multiple_of}.
     */
    public static TrlCollator of(InternVlCollator base) {
        return new TrlCollator(base, DEFAULT_MAX_LENGTH, DEFAULT_TRUNCATION, 1);
    }

    /** {@code max_length} (TRL's default 1024); {@code <= 0} = no limit. */
    public TrlCollator maxLength(int n) { return new TrlCollator(base, n, truncation, padToMultipleOf); }

    /** {@code truncation_mode}; default {@link Truncation#KEEP_START} as in TRL's {@code DPOConfig}. */
    public TrlCollator truncation(Truncation t) { return new TrlCollator(base, maxLength, t, padToMultipleOf); }

    /** {@code pad_to_multiple_of}; 1 = no rounding. */
    public TrlCollator padToMultipleOf(int n) { return new TrlCollator(base, maxLength, truncation, n); }

    /** The {@code max_length} in force ({@code <= 0}: none). */
    public int maxLength() { return maxLength; }

    /** The {@code truncation_mode} in force. */
    public Truncation truncation() { return truncation; }

    /** The {@code pad_to_multiple_of} in force (1: none). */
    public int padToMultipleOf() { return padToMultipleOf; }

    /**
     * Encodes every pair the way {@link #collate(List)} will, reading only image headers (for the
     * tile counts), so that a pair truncation would leave without a completion token, or cut through
     * an image, fails now with its file and line rather than in the middle of a training batch.
     *
     * @return this collator
     * @throws IllegalArgumentException naming the first bad pair's source
     */
    public TrlCollator validate(Iterable<? extends PreferencePair> pairs) {
        PairEncoder encoder = base.encoder(maxLength, truncation);
        List<EncodedSequence> chosen = new ArrayList<>(1), rejected = new ArrayList<>(1);
        for (PreferencePair pair : pairs) {
            Tiling own = base.tiling().forPair(pair.imageOptions().maxDynamicPatch(), pair.images().size());
            int[] tiles = new int[pair.images().size()];
            for (int i = 0; i < tiles.length; i++) {
                Dimension size = RgbImages.size(pair.images().get(i), pair.source());
                tiles[i] = own.grid(size.width, size.height).tiles();
            }
            InternVlCollator.encodePair(encoder, pair, tiles, chosen, rejected);
            chosen.clear();
            rejected.clear();
        }
        return this;
    }

    /** Collates without reference log-probs. */
    public PreferenceBatch collate(List<PreferencePair> pairs) {
        return collate(pairs, null, null);
    }

    /** Collates any iterable of pairs, e.g. a {@code Dataset} ({@code collate(data.train().take(4))}). */
    public PreferenceBatch collate(Iterable<? extends PreferencePair> pairs) {
        List<PreferencePair> list = new ArrayList<>();
        pairs.forEach(list::add);
        return collate(list);
    }

    /**
     * Collates and attaches precomputed reference log-probs (TRL's {@code ref_chosen_logps},
     * {@code ref_rejected_logps}), one per pair in order; pass {@code null}s for none.
     */
    public PreferenceBatch collate(List<PreferencePair> pairs, float[] refChosenLogps, float[] refRejectedLogps) {
        checkBatch(pairs.size(), refChosenLogps, refRejectedLogps);
        PairImages images = base.images(pairs);
        PairEncoder encoder = base.encoder(maxLength, truncation);
        List<EncodedSequence> chosen = new ArrayList<>(), rejected = new ArrayList<>();
        for (int p = 0; p < pairs.size(); p++) {
            InternVlCollator.encodePair(encoder, pairs.get(p), images.tilesPerImage(p), chosen, rejected);
        }
        return batch(chosen, rejected, images.pixelValues, images.totalTiles, images.imageFlags, images.tileOffsets,
                pairs.stream().map(PreferencePair::source).toList(), refChosenLogps, refRejectedLogps);
    }

    /**
     * One pre-tokenized example, as TRL's {@code DataCollatorForPreference} takes it: the prompt's ids
     * (chat template applied, generation prompt included) and each completion's ids (ending with the
     * end-of-turn token if it is to be trained). Text only.
     *
     * @param source where the example came from, for error messages
     */
    public record Tokenized(long[] promptIds, long[] chosenIds, long[] rejectedIds, Source source) {
        /** Copies the ids, checking that none is negative and that both completions have tokens. */
        public Tokenized {
            Objects.requireNonNull(source, "source");
            promptIds = checked(promptIds, "prompt_ids", source, false);
            chosenIds = checked(chosenIds, "chosen_ids", source, true);
            rejectedIds = checked(rejectedIds, "rejected_ids", source, true);
        }

        private static long[] checked(long[] ids, String field, Source source, boolean nonEmpty) {
            if (ids == null) throw new IllegalArgumentException(source + ": " + field + " is null");
            if (nonEmpty && ids.length == 0) throw new IllegalArgumentException(source + ": " + field + " is empty: nothing to train");
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0) throw new IllegalArgumentException(source + ": " + field + "[" + i + "] is " + ids[i] + ", token ids are >= 0");
            }
            return ids.clone();
        }
    }

    /** Collates pre-tokenized examples without reference log-probs. */
    public PreferenceBatch collateTokenized(List<Tokenized> examples) {
        return collateTokenized(examples, null, null);
    }

    /**
     * Collates pre-tokenized examples like TRL's {@code DataCollatorForPreference}: row = prompt ids +
     * completion ids, {@code completion_mask} 1 on the completion, right-padded with the tokenizer's
     * pad id to one length (rounded up to {@code pad_to_multiple_of}), then this collator's
     * {@code max_length}/{@code truncation_mode} as TRL's trainer applies them.
     *
     * @throws IllegalArgumentException naming the example's source when truncation leaves no completion token
     */
    public PreferenceBatch collateTokenized(List<Tokenized> examples, float[] refChosenLogps, float[] refRejectedLogps) {
        checkBatch(examples.size(), refChosenLogps, refRejectedLogps);
        PairEncoder encoder = base.encoder(maxLength, truncation);
        List<EncodedSequence> chosen = new ArrayList<>(), rejected = new ArrayList<>();
        for (Tokenized e : examples) {
            chosen.add(encoder.truncate(row(e.promptIds(), e.chosenIds()), e.source()));
            rejected.add(encoder.truncate(row(e.promptIds(), e.rejectedIds()), e.source()));
        }
        return batch(chosen, rejected, new float[0], 0, new int[0], new int[examples.size() + 1],
                examples.stream().map(Tokenized::source).toList(), refChosenLogps, refRejectedLogps);
    }

    /** Prompt then completion; only the completion is trained. */
    private static EncodedSequence row(long[] prompt, long[] completion) {
        long[] ids = Arrays.copyOf(prompt, prompt.length + completion.length);
        System.arraycopy(completion, 0, ids, prompt.length, completion.length);
        long[] labels = ids.clone();
        Arrays.fill(labels, 0, prompt.length, Labels.IGNORE);
        return new EncodedSequence(ids, labels, prompt.length);
    }

    private static void checkBatch(int pairs, float[] refChosenLogps, float[] refRejectedLogps) {
        if (pairs == 0) {
            throw new IllegalArgumentException("cannot collate an empty list of pairs");
        }
        if ((refChosenLogps == null) != (refRejectedLogps == null)
                || (refChosenLogps != null && (refChosenLogps.length != pairs || refRejectedLogps.length != pairs))) {
            throw new IllegalArgumentException("reference log-probs must be given for both chosen and rejected, one per pair ("
                    + pairs + ")");
        }
    }

    private PreferenceBatch batch(List<EncodedSequence> chosen, List<EncodedSequence> rejected, float[] pixels, int tiles,
            int[] imageFlags, int[] tileOffsets, List<Source> sources, float[] refChosenLogps, float[] refRejectedLogps) {
        long pad = base.tokenizer().padId();
        int common = Math.max(Rows.longest(chosen), Rows.longest(rejected));
        return new PreferenceBatch(Rows.pad(chosen, pad, common, padToMultipleOf), Rows.pad(rejected, pad, common, padToMultipleOf),
                pixels, tiles, base.tiling().tileSize(), imageFlags, tileOffsets, sources, refChosenLogps, refRejectedLogps);
    }

    @Override
    public String toString() {
        return "TrlCollator[maxLength=" + maxLength + ", " + truncation + ", padToMultipleOf=" + padToMultipleOf + ", " + base + "]";
    }
}
