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
 * <p>With {@code packing}, each row holds two sequences that share a prefix, with positions and
 * attention as {@link PrefixPacking} describes; {@link CausalLm#hidden} honours it, incremental
 * decoding does not take packed rows.
 *
 * @param ids     {@code rows * length} token ids
 * @param lengths real tokens per row
 * @param packing two sequences per row sharing a prefix, or {@code null} for one sequence per row
 */
public record TokenRows(int rows, int length, long[] ids, int[] lengths, PrefixPacking packing) {

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
        if (packing != null) {
            if (packing.rows() != rows) {
                throw new IllegalArgumentException("packing describes " + packing.rows() + " rows but there are " + rows);
            }
            for (int r = 0; r < rows; r++) {
                if (packing.secondStart()[r] > lengths[r]) {
                    throw new IllegalArgumentException("packed row " + r + ": second sequence starts at " + packing.secondStart()[r]
                            + ", past the row's " + lengths[r] + " real tokens");
                }
            }
        }
    }

    /** One sequence per row. */
    public TokenRows(int rows, int length, long[] ids, int[] lengths) {
        this(rows, length, ids, lengths, null);
    }

    /** Whether the rows hold two sequences each ({@link #packing()} is set). */
    public boolean isPacked() { return packing != null; }

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
