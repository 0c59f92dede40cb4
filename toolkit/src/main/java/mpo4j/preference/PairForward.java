package mpo4j.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import mpo4j.collate.PreferenceBatch;
import mpo4j.model.CausalLm;

/** How a preference forward pass lays out a batch's pairs; every way gives the same hidden states. */
enum PairForward {
    /** The {@code 2B} rows of {@link PreferenceBatch#concatenated()}, each encoding its own tiles: as the Python tools do. */
    ROW_BY_ROW,
    /** The {@code 2B} rows, each pair's tiles encoded once for both of its rows. */
    VISION_ONCE,
    /** One row per pair ({@link PackedPairs}): the shared prompt computed once, the tiles encoded once. */
    PROMPT_ONCE;

    /** The layout of the trainer's settings: the prompt is shared only when the vision encoding is. */
    static PairForward of(boolean visionOncePerPair, boolean promptOncePerPair) {
        return !visionOncePerPair ? ROW_BY_ROW : promptOncePerPair ? PROMPT_ONCE : VISION_ONCE;
    }

    /** Final hidden states {@code [2B, L, hidden]} of the batch's chosen rows followed by its rejected rows. */
    NDArray hidden(CausalLm model, PreferenceBatch batch, NDManager scope) {
        return switch (this) {
            case ROW_BY_ROW -> model.hidden(batch.concatenated().tokens(), batch.imagesPerRow(scope), scope);
            case VISION_ONCE -> model.hidden(batch.concatenated().tokens(), batch.images(scope), scope);
            case PROMPT_ONCE -> PackedPairs.of(batch).hidden(model, batch, scope);
        };
    }
}
