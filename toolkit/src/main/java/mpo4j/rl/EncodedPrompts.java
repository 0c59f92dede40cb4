package mpo4j.rl;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.model.ImageInputs;
import mpo4j.text.Labels;

/**
 * Prompts as token ids plus their tiles, read from a collated batch: a pair's prompt is the prefix of its
 * chosen row that carries no label (the chat template's generation prompt included), and its tiles are the
 * pair's tiles. The collator is any of the toolkit's (the InternVL collator, or a test's), so prompts are
 * encoded exactly as preference training encodes them. Public for the preference-data pipelines
 * ({@code mpo4j.pairs}), which sample from the same prompts.
 *
 * @param ids one prompt per pair
 * @param batch the collated batch (for its tiles)
 */
public record EncodedPrompts(long[][] ids, PreferenceBatch batch) {

    /** Encodes {@code pairs}; a pair without a rejected answer (a generation prompt) is collated with its chosen one twice. */
    public static EncodedPrompts of(List<PreferencePair> pairs, Function<List<PreferencePair>, PreferenceBatch> collator) {
        List<PreferencePair> complete = new ArrayList<>(pairs.size());
        for (PreferencePair p : pairs) {
            complete.add(p.rejected() != null ? p
                    : new PreferencePair(p.prompt(), p.chosen(), p.chosen(), p.images(), p.source(), p.imageOptions(),
                            p.tools(), p.chosenToolCalls(), p.chosenToolCalls()));   // the prompt keeps its tool schemas
        }
        PreferenceBatch batch = collator.apply(complete);
        SequenceBatch chosen = batch.chosen();
        long[][] ids = new long[pairs.size()][];
        for (int r = 0; r < ids.length; r++) {
            int promptLength = 0;
            while (promptLength < chosen.lengths()[r] && chosen.label(r, promptLength) == Labels.IGNORE) {
                promptLength++;
            }
            if (promptLength == 0) {
                throw new IllegalArgumentException(pairs.get(r).source() + ": the collated prompt is empty");
            }
            ids[r] = new long[promptLength];
            for (int t = 0; t < promptLength; t++) {
                ids[r][t] = chosen.inputId(r, t);
            }
        }
        return new EncodedPrompts(ids, batch);
    }

    /** The tiles with one group per prompt, or null for text-only prompts. */
    public ImageInputs perPrompt(NDManager scope) {
        return batch.hasImages() ? batch.chosenImages(scope) : null;
    }

    /**
     * The tiles for rows {@code firstRow .. firstRow + rows - 1} of the layout with {@code numGenerations}
     * consecutive rows per prompt (each group encoded once), or null.
     */
    ImageInputs perRow(int numGenerations, int firstRow, int rows, NDManager scope) {
        if (!batch.hasImages()) {
            return null;
        }
        int[] rowToGroup = new int[rows];
        for (int r = 0; r < rowToGroup.length; r++) {
            rowToGroup[r] = (firstRow + r) / numGenerations;
        }
        return new ImageInputs(batch.pixelValues(scope), batch.tileOffsets(), batch.imageFlags(), rowToGroup);
    }
}
