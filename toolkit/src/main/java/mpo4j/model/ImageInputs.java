package mpo4j.model;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;

/**
 * The image tiles of a forward pass and which rows they belong to: group {@code g} owns tiles
 * {@code [tileOffsets[g], tileOffsets[g+1])} of {@code pixelValues} ({@code [T, 3, S, S]}), and row
 * {@code r} fills its {@code <IMG_CONTEXT>} positions, in order, with the tokens of group
 * {@code rowToGroup[r]}'s tiles whose flag is 1. Several rows may share a group: that is how the chosen
 * and rejected rows of a pair share one vision encoding.
 */
public record ImageInputs(NDArray pixelValues, int[] tileOffsets, int[] imageFlags, int[] rowToGroup) {

    public ImageInputs {
        long tiles = pixelValues.getShape().get(0);
        if (tileOffsets.length == 0 || tileOffsets[0] != 0 || tileOffsets[tileOffsets.length - 1] != tiles
                || imageFlags.length != tiles) {
            throw new IllegalArgumentException("tileOffsets " + Arrays.toString(tileOffsets) + " / " + imageFlags.length
                    + " image flags do not cover the " + tiles + " tiles of pixelValues");
        }
        for (int g : rowToGroup) {
            if (g < 0 || g >= tileOffsets.length - 1) {
                throw new IllegalArgumentException("row refers to group " + g + " but there are " + (tileOffsets.length - 1));
            }
        }
    }

    /** All tiles flagged as real images. */
    public static ImageInputs of(NDArray pixelValues, int[] tileOffsets, int[] rowToGroup) {
        int[] flags = new int[Math.toIntExact(pixelValues.getShape().get(0))];
        Arrays.fill(flags, 1);
        return new ImageInputs(pixelValues, tileOffsets, flags, rowToGroup);
    }

    /** One prompt's tiles for a single row (generation). */
    public static ImageInputs single(NDArray pixelValues) {
        return of(pixelValues, new int[] {0, Math.toIntExact(pixelValues.getShape().get(0))}, new int[] {0});
    }

    int tiles() { return Math.toIntExact(pixelValues.getShape().get(0)); }
}
