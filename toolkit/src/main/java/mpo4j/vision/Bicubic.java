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

    /** One 1-D pass along x ({@code alongX}) or y; {@code w x h} in, the resized axis becomes {@code out}. */
    private static int[] pass(int[] src, int w, int h, int out, boolean alongX) {
        int in = alongX ? w : h;
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
        int outW = alongX ? out : w;
        int outH = alongX ? h : out;
        int[] dst = new int[outW * outH];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int o = alongX ? x : y;
                double[] k = weights[o];
                double r = 0, g = 0, b = 0;
                for (int j = 0; j < k.length; j++) {
                    int p = alongX ? src[y * w + starts[o] + j] : src[(starts[o] + j) * w + x];
                    r += k[j] * ((p >> 16) & 0xFF);
                    g += k[j] * ((p >> 8) & 0xFF);
                    b += k[j] * (p & 0xFF);
                }
                dst[y * outW + x] = (clamp8(r) << 16) | (clamp8(g) << 8) | clamp8(b);
            }
        }
        return dst;
    }

    private static int clamp8(double v) {
        long r = Math.round(v);
        return (int) Math.max(0, Math.min(255, r));
    }
}
