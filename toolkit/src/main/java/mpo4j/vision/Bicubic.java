package mpo4j.vision;

/**
 * Separable bicubic resampling of packed 8-bit RGB, written to behave like Pillow's
 * {@code Image.resize(size, BICUBIC)} (what InternVL calls): Keys cubic with {@code a = -0.5}, the
 * kernel widened by the scale factor when shrinking (antialiasing), horizontal pass then vertical
 * pass, each rounded and clamped to 0..255. Pure Java, so the result is the same on every machine
 * (java.awt's bicubic does not antialias when downscaling and may use native loops).
 */
final class Bicubic {
    private static final double A = -0.5;
    private static final double SUPPORT = 2.0;

    private Bicubic() {}

    /** Resizes {@code rgb} ({@code w*h} pixels, 0xRRGGBB) to {@code outW x outH}. */
    static int[] resize(int[] rgb, int w, int h, int outW, int outH) {
        if (w == outW && h == outH) {
            return rgb.clone();
        }
        int[] horizontal = w == outW ? rgb : pass(rgb, w, h, outW, true);
        return h == outH ? horizontal : pass(horizontal, outW, h, outH, false);
    }

    private static double cubic(double x) {
        x = Math.abs(x);
        if (x < 1) {
            return ((A + 2) * x - (A + 3)) * x * x + 1;
        }
        if (x < 2) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0;
    }

    /** Filter taps of a 1-D resize from {@code in} to {@code out} samples: start index and weights per output. */
    private record Taps(int[] start, double[][] weights) {
        static Taps of(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            int[] starts = new int[out];
            double[][] weights = new double[out][];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), in);
                double[] k = new double[max - min];
                double sum = 0;
                for (int j = 0; j < k.length; j++) {
                    k[j] = cubic((j + min - center + 0.5) / filterScale);
                    sum += k[j];
                }
                for (int j = 0; j < k.length; j++) {
                    k[j] = sum == 0 ? 0 : k[j] / sum;
                }
                starts[o] = min;
                weights[o] = k;
            }
            return new Taps(starts, weights);
        }
    }

    /** One 1-D pass along x or y; {@code w x h} in, the resized axis becomes {@code out}. */
    private static int[] pass(int[] src, int w, int h, int out, boolean alongX) {
        Taps taps = Taps.of(alongX ? w : h, out);
        return alongX ? horizontal(src, w, h, out, taps) : vertical(src, w, out, taps);
    }

    private static int[] horizontal(int[] src, int w, int h, int outW, Taps taps) {
        int[] dst = new int[outW * h];
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < outW; x++) {
                double[] k = taps.weights[x];
                int at = row + taps.start[x];
                double r = 0, g = 0, b = 0;
                for (int j = 0; j < k.length; j++) {
                    int p = src[at + j];
                    r += k[j] * ((p >> 16) & 0xFF);
                    g += k[j] * ((p >> 8) & 0xFF);
                    b += k[j] * (p & 0xFF);
                }
                dst[y * outW + x] = (clamp8(r) << 16) | (clamp8(g) << 8) | clamp8(b);
            }
        }
        return dst;
    }

    /** Row by row (cache friendly): each output row accumulates whole input rows. */
    private static int[] vertical(int[] src, int w, int outH, Taps taps) {
        int[] dst = new int[w * outH];
        double[] r = new double[w], g = new double[w], b = new double[w];
        for (int y = 0; y < outH; y++) {
            java.util.Arrays.fill(r, 0);
            java.util.Arrays.fill(g, 0);
            java.util.Arrays.fill(b, 0);
            double[] k = taps.weights[y];
            for (int j = 0; j < k.length; j++) {
                int row = (taps.start[y] + j) * w;
                double kj = k[j];
                for (int x = 0; x < w; x++) {
                    int p = src[row + x];
                    r[x] += kj * ((p >> 16) & 0xFF);
                    g[x] += kj * ((p >> 8) & 0xFF);
                    b[x] += kj * (p & 0xFF);
                }
            }
            for (int x = 0; x < w; x++) {
                dst[y * w + x] = (clamp8(r[x]) << 16) | (clamp8(g[x]) << 8) | clamp8(b[x]);
            }
        }
        return dst;
    }

    private static int clamp8(double v) {
        return v <= 0 ? 0 : v >= 255 ? 255 : (int) (v + 0.5);
    }
}
