package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A model as generation sees it: the logits of the next token after each row's sequence so far. An
 * implementation keeps whatever it needs between calls (a KV cache, image features); the driver only
 * ever appends one token to each still-active row.
 *
 * <p>The returned arrays belong to the caller, which closes them.
 */
public interface NextTokenLogits {
    /**
     * Starts one generation session.
     *
     * @param rowPrompts the prompt of every row; {@code numGenerations} consecutive rows share one prompt
     *     (the same array instance), so an implementation may encode it once
     * @return float logits {@code [rows, vocab]} for the position after each prompt
     */
    NDArray start(List<long[]> rowPrompts);

    /**
     * Appends one token to each active row.
     *
     * @param activeRows the rows still generating, ascending; rows leave this list and never return
     * @param tokens the new token of each active row, aligned with {@code activeRows}
     * @return float logits {@code [activeRows.length, vocab]} for the position after the new tokens
     */
    NDArray next(int[] activeRows, long[] tokens);
}
