package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * The one place where image tokens enter a language model: every {@code <IMG_CONTEXT>} position of a
 * row is overwritten, in order, by the next vision token of the row's tiles (InternVL's
 * {@code input_embeds[selected] = vit_embeds}); {@code <img>}/{@code </img>} and text keep their
 * embeddings; tiles flagged 0 are encoded and then skipped. In a packed row ({@link PrefixPacking}) both
 * sequences use the row's tiles: the second one's own image tokens continue after those of the shared
 * prefix. Shared by {@link TinyVlm} and {@link InternVlChatModel}.
 *
 * <p>The replacement is one gather from {@code [zero row; all vision tokens]} and a masked blend, so it
 * is differentiable and needs no per-position native calls.
 */
final class ImageTokenEmbedding {
    private ImageTokenEmbedding() {}

    /**
     * @param tokenEmbeddings {@code [rows, length, hidden]} embeddings of {@code rows}' ids
     * @param images          the rows' tiles, or null for text-only rows
     * @param contextId       the {@code <IMG_CONTEXT>} id
     * @param tokensPerTile   vision tokens one tile yields
     * @param encoder         tiles {@code [T, 3, S, S]} to tokens {@code [T, tokensPerTile, hidden]}, or null
     *                        for a model without a vision tower
     * @return {@code tokenEmbeddings} itself when no row holds {@code <IMG_CONTEXT>}, else the blend
     * @throws IllegalArgumentException naming the row when its {@code <IMG_CONTEXT>} count differs from
     *     what its tiles provide, or when the model has no vision tower
     */
    static NDArray replace(NDArray tokenEmbeddings, TokenRows rows, ImageInputs images, int contextId, int tokensPerTile,
            UnaryOperator<NDArray> encoder, NDManager scope) {
        int n = rows.rows();
        int len = rows.length();
        long[] gather = new long[n * len];
        float[] textMask = new float[n * len];
        Arrays.fill(textMask, 1f);
        boolean anyImageToken = false;
        for (int r = 0; r < n; r++) {
            int[] tiles = images == null ? new int[0] : flaggedTiles(images, images.rowToGroup()[r]);
            int slot = 0;
            int sharedSlots = 0;                      // image tokens among a packed row's shared prefix
            for (int t = 0; t < rows.lengths()[r]; t++) {
                if (rows.isPacked() && t == rows.packing().secondStart()[r]) {
                    // the second sequence's own tokens continue after the shared prefix: its next image token is
                    // the one that follows the prefix's, and the first sequence must have had all of its own
                    requireAllSlots(r, slot, tiles.length, tokensPerTile, "first sequence of packed row ");
                    slot = sharedSlots;
                }
                if (rows.id(r, t) != contextId) {
                    continue;
                }
                if (rows.isPacked() && t < rows.packing().shared()[r]) {
                    sharedSlots++;
                }
                anyImageToken = true;
                if (encoder == null) {
                    throw new IllegalArgumentException("row " + r + " contains <IMG_CONTEXT> (id " + contextId
                            + ") but the model has no vision tower");
                }
                if (slot >= tiles.length * tokensPerTile) {
                    throw new IllegalArgumentException("row " + r + " has more <IMG_CONTEXT> tokens than its "
                            + tiles.length + " tiles provide (" + tiles.length * tokensPerTile + ")");
                }
                gather[r * len + t] = 1 + (long) tiles[slot / tokensPerTile] * tokensPerTile + slot % tokensPerTile;
                textMask[r * len + t] = 0f;
                slot++;
            }
            requireAllSlots(r, slot, tiles.length, tokensPerTile, rows.isPacked() ? "second sequence of packed row " : "row ");
        }
        if (!anyImageToken) {
            return tokenEmbeddings;
        }
        long hidden = tokenEmbeddings.getShape().get(2);
        NDArray tokens = encoder.apply(images.pixelValues()).reshape(-1, hidden);
        NDArray table = scope.zeros(new Shape(1, hidden)).concat(tokens, 0);
        NDArray index = scope.create(gather, new Shape(n, len));
        NDArray imageEmbeddings = index.getNDArrayInternal().embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
        return tokenEmbeddings.mul(scope.create(textMask, new Shape(n, len, 1))).add(imageEmbeddings);
    }

    private static void requireAllSlots(int row, int slots, int tiles, int tokensPerTile, String what) {
        if (slots != tiles * tokensPerTile) {
            throw new IllegalArgumentException(what + row + " has " + slots + " <IMG_CONTEXT> tokens but its "
                    + tiles + " image tiles need " + tiles * tokensPerTile);
        }
    }

    /** Indices of group {@code group}'s tiles whose image flag is 1. */
    private static int[] flaggedTiles(ImageInputs images, int group) {
        int from = images.tileOffsets()[group];
        int to = images.tileOffsets()[group + 1];
        return IntStream.range(from, to).filter(t -> images.imageFlags()[t] == 1).toArray();
    }
}
