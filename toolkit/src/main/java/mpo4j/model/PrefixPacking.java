package mpo4j.model;

import java.util.Arrays;

/**
 * Token rows that each hold two sequences sharing a prefix, so the shared part is computed once (a
 * preference pair's chosen and rejected rows share their prompt). Row {@code r} holds the first
 * sequence at {@code [0, secondStart[r])}, at positions {@code 0, 1, ...}; then, at
 * {@code [secondStart[r], lengths[r])}, the second sequence from its token {@code shared[r]} on, at
 * positions {@code shared[r], shared[r] + 1, ...} (its first {@code shared[r]} tokens equal the first
 * sequence's). Attention is causal, except that a query of the second sequence never sees the first
 * sequence's own tail {@code [shared[r], secondStart[r])}: every query then sees exactly the keys it
 * would see in its own unpacked row, at the same positions, so a causal model gives every real position
 * the hidden state it has in that row (up to float summation order).
 *
 * @param shared      per row, the tokens the two sequences share at their start
 * @param secondStart per row, where the second sequence's own tokens begin (the first sequence's length)
 */
public record PrefixPacking(int[] shared, int[] secondStart) {

    public PrefixPacking {
        if (shared.length != secondStart.length) {
            throw new IllegalArgumentException("prefix packing: " + shared.length + " shared lengths but "
                    + secondStart.length + " second starts");
        }
        for (int r = 0; r < shared.length; r++) {
            if (shared[r] < 0 || shared[r] > secondStart[r]) {
                throw new IllegalArgumentException("prefix packing row " + r + ": shared " + shared[r]
                        + " must be in [0, secondStart " + secondStart[r] + "]");
            }
        }
        shared = shared.clone();
        secondStart = secondStart.clone();
    }

    /** Rows. */
    public int rows() { return shared.length; }

    /**
     * The position of row {@code r}'s token {@code t}: {@code t} in the first sequence,
     * {@code t - secondStart[r] + shared[r]} in the second (also for the padding after it, which nothing reads).
     */
    public int position(int r, int t) { return t < secondStart[r] ? t : t - secondStart[r] + shared[r]; }

    /** Whether, in row {@code r}, the query at {@code query} attends to the key at {@code key}. */
    public boolean sees(int r, int query, int key) {
        boolean hiddenTail = query >= secondStart[r] && key >= shared[r] && key < secondStart[r];
        return key <= query && !hiddenTail;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrefixPacking p && Arrays.equals(shared, p.shared) && Arrays.equals(secondStart, p.secondStart);
    }

    @Override
    public int hashCode() { return 31 * Arrays.hashCode(shared) + Arrays.hashCode(secondStart); }

    @Override
    public String toString() {
        return "PrefixPacking[shared=" + Arrays.toString(shared) + ", secondStart=" + Arrays.toString(secondStart) + "]";
    }
}
