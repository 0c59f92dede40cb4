package mpo4j.text;

/** Python's {@code slice(start, stop, step).indices(length)}, expanded to the selected positions. */
final class PythonSlice {
    private PythonSlice() {}

    /** Positions {@code x[start:stop:step]} selects from a sequence of {@code length}; {@code null} = omitted. */
    static int[] indices(int length, Long start, Long stop, Long step) {
        long s = step == null ? 1 : step;
        if (s == 0) {
            throw new ChatTemplateException("slice step cannot be zero", false);
        }
        long lower = s > 0 ? 0 : -1, upper = s > 0 ? length : length - 1;
        long from = start == null ? (s > 0 ? lower : upper) : clamp(start < 0 ? start + length : start, lower, upper);
        long to = stop == null ? (s > 0 ? upper : lower) : clamp(stop < 0 ? stop + length : stop, lower, upper);
        long count = s > 0 ? Math.max(0, (to - from + s - 1) / s) : Math.max(0, (from - to - s - 1) / -s);
        int[] out = new int[(int) count];
        for (int k = 0; k < count; k++) out[k] = (int) (from + k * s);
        return out;
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
