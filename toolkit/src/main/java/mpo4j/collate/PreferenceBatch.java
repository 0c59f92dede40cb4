package mpo4j.collate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import mpo4j.data.Source;

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

    /** The same batch with precomputed reference log-probs attached. */
    public PreferenceBatch withReference(float[] refChosen, float[] refRejected) {
        return new PreferenceBatch(chosen, rejected, pixelValues, tiles, tileSize, imageFlags, tileOffsets, sources, refChosen, refRejected);
    }
}
