package mpo4j.collate;

import java.util.ArrayList;
import java.util.List;
import mpo4j.data.PreferencePair;
import mpo4j.text.EncodedSequence;
import mpo4j.text.PairEncoder;
import mpo4j.text.Truncation;

/**
 * TRL's DPO collation: prompt+chosen rows for all pairs, then prompt+rejected rows (see
 * {@link PreferenceBatch#concatenated()}), all padded to one length (rounded up to
 * {@code padToMultipleOf}), {@code completion_mask} = the trained labels, {@code max_length} with
 * TRL's {@code truncation_mode}: {@link Truncation#KEEP_END} (TRL's default) keeps the last
 * {@code max_length} tokens, {@link Truncation#KEEP_START} the first. Images are tiled once per pair,
 * as in {@link InternVlCollator}, whose settings it shares.
 */
public final class TrlCollator {
    private final InternVlCollator base;
    private final int maxLength;
    private final Truncation truncation;
    private final int padToMultipleOf;

    TrlCollator(InternVlCollator base, int maxLength, Truncation truncation, int padToMultipleOf) {
        this.base = base;
        this.maxLength = maxLength;
        this.truncation = truncation;
        this.padToMultipleOf = padToMultipleOf;
    }

    /** {@code max_length} (TRL's default 1024); {@code <= 0} = no limit. */
    public TrlCollator maxLength(int n) { return new TrlCollator(base, n, truncation, padToMultipleOf); }

    /** {@code truncation_mode}; default {@link Truncation#KEEP_END} as in TRL. */
    public TrlCollator truncation(Truncation t) { return new TrlCollator(base, maxLength, t, padToMultipleOf); }

    /** {@code pad_to_multiple_of}; 1 = no rounding. */
    public TrlCollator padToMultipleOf(int n) { return new TrlCollator(base, maxLength, truncation, Math.max(1, n)); }

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
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cannot collate an empty list of pairs");
        }
        if ((refChosenLogps == null) != (refRejectedLogps == null)
                || (refChosenLogps != null && (refChosenLogps.length != pairs.size() || refRejectedLogps.length != pairs.size()))) {
            throw new IllegalArgumentException("reference log-probs must be given for both chosen and rejected, one per pair ("
                    + pairs.size() + ")");
        }
        PairImages images = base.images(pairs);
        PairEncoder encoder = base.encoder(maxLength, truncation);
        List<EncodedSequence> chosen = new ArrayList<>(), rejected = new ArrayList<>();
        for (int p = 0; p < pairs.size(); p++) {
            InternVlCollator.encodePair(encoder, pairs.get(p), images.tilesPerImage(p), chosen, rejected);
        }
        long pad = base.tokenizer().padId();
        int common = Math.max(Rows.longest(chosen), Rows.longest(rejected));
        return new PreferenceBatch(Rows.pad(chosen, pad, common, padToMultipleOf), Rows.pad(rejected, pad, common, padToMultipleOf),
                images.pixelValues, images.totalTiles, base.tiling().tileSize(), images.imageFlags, images.tileOffsets,
                pairs.stream().map(PreferencePair::source).toList(), refChosenLogps, refRejectedLogps);
    }

    @Override
    public String toString() {
        return "TrlCollator[maxLength=" + maxLength + ", " + truncation + ", padToMultipleOf=" + padToMultipleOf + ", " + base + "]";
    }
}
