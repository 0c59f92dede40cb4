package mpo4j.vision;

/**
 * Separable bicubic resampling of packed 8-bit RGB that reproduces Pillow's
 * {@code Image.resize(size)} (BICUBIC, no box, no {@code reducing_gap}: what InternVL's
 * {@code dynamic_preprocess} calls) bit for bit. Pillow's {@code libImaging/Resample.c}:
 * <ul>
 *   <li>taps: Keys cubic with {@code a = -0.5}, support 2 widened by the scale factor when shrinking
 *       (antialiasing), computed in double and normalised to sum 1 per output sample;</li>
 *   <li>the normalised weights are quantised to {@value #PRECISION_BITS}-bit fixed point
 *       ({@code (int)(w·2^22 ± 0.5)}, rounding half away from zero);</li>
 *   <li>each pass accumulates {@code pixel · weight} in a 32-bit int that starts at {@code 2^21} (the
 *       rounding half), shifts right by 22 (floor) and clips to 0..255;</li>
 *   <li>horizontal pass first, then vertical, each skipped when that axis keeps its size.</li>
 * </ul>
 * Rounding a double sum instead (the earlier implementation) differs by 1–2 levels on some pixels.
 */
final class Bicubic {
    /** Pillow's {@code PRECISION_BITS}: 32 bits minus 8 for the pixel minus 2 for overshoot headroom. */
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private Bicubic() {}

    /** Resizes {@code rgb} ({@code w*h} pixels, 0xRRGGBB) to {@code outW x outH}. */
    static int[] resize(int[] rgb, int w, int h, int outW, int outH) {
        if (w == outW && h == outH) {
            return rgb.clone();
        }
        int[] horizontal = w == outW ? rgb : horizontal(rgb, w, h, outW, Taps.of(w, outW));
        return h == outH ? horizontal : vertical(horizontal, outW, outH, Taps.of(h, outH));
    }

    /** Pillow's {@code bicubic_filter}, term for term (the same double operations give the same bits). */
    static double cubic(double x) {
        final double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /**
     * Fixed-point filter taps of a 1-D resize from {@code in} to {@code out} samples: first input
     * index and integer weights per output sample ({@code precompute_coeffs} then
     * {@code normalize_coeffs_8bpc}).
     */
    record Taps(int[] start, int[][] weights) {
        static Taps of(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            int[] starts = new int[out];
            int[][] weights = new int[out][];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale;
                double ss = 1.0 / filterScale; // Pillow multiplies by the reciprocal: dividing rounds differently
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), in);
                double[] k = new double[max - min];
                double sum = 0.0;
                for (int j = 0; j < k.length; j++) {
                    k[j] = cubic((j + min - center + 0.5) * ss);
                    sum += k[j];
                }
                int[] fixed = new int[k.length];
                for (int j = 0; j < k.length; j++) {
                    double w = sum != 0.0 ? k[j] / sum : k[j];
                    fixed[j] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                starts[o] = min;
                weights[o] = fixed;
            }
            return new Taps(starts, weights);
        }
    }

    /** Pillow's {@code clip8}: floor of the 22-bit fixed-point sum, clipped to a byte. */
    static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static int[] horizontal(int[] src, int w, int h, int outW, Taps taps) {
        int[] dst = new int[outW * h];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < outW; x++) {
                int[] k = taps.weights[x];
                int at = row + taps.start[x];
                int r = half, g = half, b = half;
                for (int j = 0; j < k.length; j++) {
                    int p = src[at + j];
                    r += ((p >> 16) & 0xFF) * k[j];
                    g += ((p >> 8) & 0xFF) * k[j];
                    b += (p & 0xFF) * k[j];
                }
                dst[y * outW + x] = (clip8(r) << 16) | (clip8(g) << 8) | clip8(b);
            }
        }
        return dst;
    }

    /** Row by row (cache friendly): each output row accumulates whole input rows. */
    private static int[] vertical(int[] src, int w, int outH, Taps taps) {
        int[] dst = new int[w * outH];
        int[] r = new int[w], g = new int[w], b = new int[w];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < outH; y++) {
            java.util.Arrays.fill(r, half);
            java.util.Arrays.fill(g, half);
            java.util.Arrays.fill(b, half);
            int[] k = taps.weights[y];
            for (int j = 0; j < k.length; j++) {
                int row = (taps.start[y] + j) * w;
                int kj = k[j];
                for (int x = 0; x < w; x++) {
                    int p = src[row + x];
                    r[x] += ((p >> 16) & 0xFF) * kj;
                    g[x] += ((p >> 8) & 0xFF) * kj;
                    b[x] += (p & 0xFF) * kj;
                }
            }
            for (int x = 0; x < w; x++) {
                dst[y * w + x] = (clip8(r[x]) << 16) | (clip8(g[x]) << 8) | clip8(b[x]);
            }
        }
        return dst;
    }
}
