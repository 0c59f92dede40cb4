package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Token rows for a forward pass: {@code rows × length} ids, row-major, each row's real tokens first
 * ({@code lengths[r]} of them) and padding after. Positions start at 0 in every row and padding is
 * masked out, so a padded row gives its real positions the same outputs as the row alone.
 *
 * @param ids     {@code rows * length} token ids
 * @param lengths real tokens per row
 */
public record TokenRows(int rows, int length, long[] ids, int[] lengths) {

    public TokenRows {
        if (ids.length != (long) rows * length || lengths.length != rows) {
            throw new IllegalArgumentException("inconsistent token rows: rows=" + rows + " length=" + length
                    + " ids=" + ids.length + " lengths=" + lengths.length);
        }
        for (int len : lengths) {
            if (len < 0 || len > length) {
                throw new IllegalArgumentException("row length " + len + " outside [0, " + length + "]: " + Arrays.toString(lengths));
            }
        }
    }

    /** Rows that are all real tokens (no padding). */
    public static TokenRows full(int rows, int length, long[] ids) {
        int[] lengths = new int[rows];
        Arrays.fill(lengths, length);
        return new TokenRows(rows, length, ids, lengths);
    }

    /** One unpadded row. */
    public static TokenRows of(long... ids) { return full(1, ids.length, ids); }

    public long id(int row, int t) { return ids[row * length + t]; }

    /** The ids as an {@code [rows, length]} int64 array in {@code manager}. */
    public NDArray ids(NDManager manager) { return manager.create(ids, new Shape(rows, length)); }

    /** Real tokens over all rows. */
    public long realTokens() { return Arrays.stream(lengths).asLongStream().sum(); }
}
