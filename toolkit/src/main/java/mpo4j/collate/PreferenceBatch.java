package mpo4j.collate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import mpo4j.data.Source;
import mpo4j.model.ImageInputs;

/**
 * A collated batch of {@code B} preference pairs, the unit the trainer consumes.
 *
 * <p>Chosen and rejected rows are padded independently ({@link #chosen()}, {@link #rejected()}).
 * Image tiles are stored <b>once per pair</b>: pair {@code p} owns tiles
 * {@code [tileOffsets[p], tileOffsets[p+1])} of {@link #pixelValues()} ({@code [tiles, 3, tileSize,
 * tileSize]}, normalised), and both its chosen and its rejected row refer to them. Each row contains,
 * in order, {@code tokensPerTile} {@code <IMG_CONTEXT>} tokens for every tile of its pair whose image
 * flag is 1; the model finds them by id and fills them with that pair's vision features.
 *
 * @param refChosenLogps   precomputed reference log-probs of the chosen rows, or {@code null}
 * @param refRejectedLogps precomputed reference log-probs of the rejected rows, or {@code null}
 */
public record PreferenceBatch(
        SequenceBatch chosen,
        SequenceBatch rejected,
        float[] pixelValues,
        int tiles,
        int tileSize,
        int[] imageFlags,
        int[] tileOffsets,
        List<Source> sources,
        float[] refChosenLogps,
        float[] refRejectedLogps) {

    public PreferenceBatch {
        if (chosen.rows() != rejected.rows() || tileOffsets.length != chosen.rows() + 1) {
            throw new IllegalArgumentException("chosen/rejected/tileOffsets disagree on the number of pairs");
        }
        if (pixelValues.length != (long) tiles * 3 * tileSize * tileSize || imageFlags.length != tiles) {
            throw new IllegalArgumentException("pixelValues/imageFlags do not match " + tiles + " tiles of " + tileSize + "px");
        }
        sources = List.copyOf(sources);
    }

    public int pairs() { return chosen.rows(); }

    public boolean hasImages() { return tiles > 0; }

    public boolean hasPrecomputedReference() { return refChosenLogps != null && refRejectedLogps != null; }

    /** Chosen rows above rejected rows, padded to the longer length: row {@code r} belongs to pair {@code r % B}. */
    public SequenceBatch concatenated() { return chosen.stack(rejected); }

    /** {@code [tiles, 3, tileSize, tileSize]} float32, or {@code null} for a text-only batch. */
    public NDArray pixelValues(NDManager manager) {
        return tiles == 0 ? null : manager.create(pixelValues, new Shape(tiles, 3, tileSize, tileSize));
    }

    /**
     * The tiles for the {@code 2B} rows of {@link #concatenated()}, encoded once per pair: row {@code r}
     * uses pair {@code r % B}'s tiles. {@code null} for a text-only batch.
     */
    public ImageInputs images(NDManager scope) {
        if (!hasImages()) {
            return null;
        }
        int[] rowToGroup = new int[2 * pairs()];
        for (int r = 0; r < rowToGroup.length; r++) {
            rowToGroup[r] = r % pairs();
        }
        return new ImageInputs(pixelValues(scope), tileOffsets, imageFlags, rowToGroup);
    }

    /**
     * The tiles for the {@code 2B} rows duplicated so that every row has its own copy, as the Python
     * tools encode them (each pair's tiles pass the vision tower twice); for benchmarks and tests.
     */
    public ImageInputs imagesPerRow(NDManager scope) {
        if (!hasImages()) {
            return null;
        }
        int b = pairs();
        NDArray pixels = pixelValues(scope);
        int[] twiceOffsets = new int[2 * b + 1];
        for (int g = 0; g <= 2 * b; g++) {
            twiceOffsets[g] = g <= b ? tileOffsets[g] : tiles + tileOffsets[g - b];
        }
        int[] twiceFlags = new int[2 * tiles];
        System.arraycopy(imageFlags, 0, twiceFlags, 0, tiles);
        System.arraycopy(imageFlags, 0, twiceFlags, tiles, tiles);
        return new ImageInputs(pixels.concat(pixels, 0), twiceOffsets, twiceFlags, java.util.stream.IntStream.range(0, 2 * b).toArray());
    }

    /** The tiles for the {@code B} chosen rows alone (SFT on the chosen answers), or {@code null} for a text-only batch. */
    public ImageInputs chosenImages(NDManager scope) {
        if (!hasImages()) {
            return null;
        }
        return new ImageInputs(pixelValues(scope), tileOffsets, imageFlags, java.util.stream.IntStream.range(0, pairs()).toArray());
    }

    /** The same batch with precomputed reference log-probs attached. */
    public PreferenceBatch withReference(float[] refChosen, float[] refRejected) {
        return new PreferenceBatch(chosen, rejected, pixelValues, tiles, tileSize, imageFlags, tileOffsets, sources, refChosen, refRejected);
    }

    /** Tiles of pair {@code p}. */
    /**
     * The length of the longest common prefix of pair {@code pair}'s chosen and rejected real token ids
     * (template, image tokens, question, and any leading tokens the two completions share): what a
     * forward that packs the pair into one row computes once.
     */
    public int sharedPrefix(int pair) {
        int lc = chosen.lengths()[pair];
        int lr = rejected.lengths()[pair];
        int p = 0;
        while (p < Math.min(lc, lr) && chosen.inputId(pair, p) == rejected.inputId(pair, p)) {
            p++;
        }
        return p;
    }

    public int tilesOf(int pair) { return tileOffsets[pair + 1] - tileOffsets[pair]; }

    /**
     * A readable description: shapes, per-row true lengths and trained-token counts, where the image
     * token runs are (the {@code <IMG_CONTEXT>} id is recognised as the id of the longest run of one
     * repeated token), and the tiles of each pair.
     */
    public String summary() {
        long context = imageContextId();
        StringBuilder sb = new StringBuilder();
        sb.append("PreferenceBatch: ").append(pairs()).append(" pairs, chosen [").append(chosen.rows()).append(", ")
                .append(chosen.length()).append("], rejected [").append(rejected.rows()).append(", ").append(rejected.length())
                .append("], pixel_values [").append(tiles).append(", 3, ").append(tileSize).append(", ").append(tileSize)
                .append("], pad id ").append(chosen.padId());
        if (hasPrecomputedReference()) {
            sb.append(", reference log-probs attached");
        }
        sb.append('\n');
        for (int p = 0; p < pairs(); p++) {
            sb.append(String.format("  pair %d  %-24s tiles %d (%d..%d)%n", p, sources.get(p), tilesOf(p), tileOffsets[p], tileOffsets[p + 1]));
            describeRow(sb, "chosen  ", chosen, p, context);
            describeRow(sb, "rejected", rejected, p, context);
        }
        return sb.toString();
    }

    private static void describeRow(StringBuilder sb, String name, SequenceBatch rows, int r, long context) {
        sb.append(String.format("    %s length %4d  trained %3d  image tokens", name, rows.lengths()[r], rows.completionTokens(r)));
        int found = 0;
        for (int t = 0; t < rows.lengths()[r]; t++) {
            if (context >= 0 && rows.inputId(r, t) == context && (t == 0 || rows.inputId(r, t - 1) != context)) {
                int end = t;
                while (end < rows.lengths()[r] && rows.inputId(r, end) == context) end++;
                sb.append(' ').append(t).append("..").append(end);
                found++;
            }
        }
        sb.append(found == 0 ? " none" : "").append('\n');
    }

    /**
     * The {@code <IMG_CONTEXT>} id as the batch shows it: the id forming the longest run of one repeated
     * token in any row, or -1 for a text-only batch (used by summaries and notebook views).
     */
    public long imageContextId() {
        if (tiles == 0) {
            return -1;
        }
        long best = -1;
        int bestRun = 1;
        for (SequenceBatch rows : List.of(chosen, rejected)) {
            for (int r = 0; r < rows.rows(); r++) {
                int run = 1;
                for (int t = 1; t < rows.lengths()[r]; t++) {
                    run = rows.inputId(r, t) == rows.inputId(r, t - 1) ? run + 1 : 1;
                    if (run > bestRun) {
                        bestRun = run;
                        best = rows.inputId(r, t);
                    }
                }
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return summary();
    }
}
