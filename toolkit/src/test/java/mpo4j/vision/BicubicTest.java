package mpo4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The resampler reproduces Pillow's {@code Image.resize(size, BICUBIC)}, InternVL's resize, exactly. */
class BicubicTest {

    @Test
    void matchesPillowBicubicOnAMixedDownAndUpscale() {
        // 6x4 image, pixel (x, y) = ((37x + 91y) % 256, (13x^2 + 7y) % 256, (200 - 30x + 10y) % 256),
        // resized to 3x5 (shrink x, grow y); expected bytes from Pillow 12.3 Image.resize((3, 5), BICUBIC).
        int w = 6, h = 4;
        int[] rgb = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 37 + y * 91) % 256, g = (x * x * 13 + y * 7) % 256, b = Math.floorMod(200 - x * 30 + y * 10, 256);
                rgb[y * w + x] = (r << 16) | (g << 8) | b;
            }
        }
        int[] pillow = {16, 5, 184, 89, 94, 125, 166, 141, 66, 80, 10, 190, 175, 99, 131, 148, 146, 72, 162, 16, 199,
                117, 105, 140, 105, 152, 81, 148, 21, 208, 47, 110, 149, 111, 157, 90, 31, 26, 214, 113, 115, 155, 186, 162, 96};
        int[] out = Bicubic.resize(rgb, w, h, 3, 5);
        for (int p = 0; p < 15; p++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(pillow[p * 3 + c], (out[p] >> (16 - 8 * c)) & 0xFF, "pixel " + p + " channel " + c);
            }
        }
    }

    @Test
    void exactHalfRoundsDownWhenTheQuantisedWeightsSayTheSumIsBelowIt() {
        // 4 -> 2 (shrink by 2, support 4): output 0 has center 1.0 and taps x = 0..3 at (x - 0.5) / 2:
        // cubic(0.25) = 111/128, cubic(0.25) = 111/128, cubic(0.75) = 29/128, cubic(1.25) = -9/128; sum 242/128,
        // so the weights are 111/242, 111/242, 29/242, -9/242. Row (0, 179, 121, 191):
        // exact value (111·179 + 29·121 − 9·191) / 242 = 21659 / 242 = 89.5 exactly.
        // 22-bit weights: round(111/242·2^22) = round(1923833.65) = 1923834, round(29/242·2^22) = round(502623.21)
        // = 502623, −round(9/242·2^22) = −round(155986.51) = −155987 (half away from zero).
        // 2^21 + 179·1923834 + 121·502623 − 191·155987 = 377487304 < 90·2^22 = 377487360, so Pillow gives 89
        // (a double sum rounded half up gave 90).
        int[] row = grey(0, 179, 121, 191);
        assertEquals(89, Bicubic.resize(row, 4, 1, 2, 1)[0] & 0xFF);
        assertEquals(1923834, Bicubic.Taps.of(4, 2).weights()[0][0]);
        assertEquals(-155987, Bicubic.Taps.of(4, 2).weights()[0][3]);
    }

    @Test
    void exactHalfRoundsUpWhenTheWeightsAreDyadic() {
        // 4 -> 8 (grow by 2, support 2): output 3 has center 1.75, taps x = 0..3 at x − 1.25:
        // cubic(1.25) = −9/128, cubic(0.25) = 111/128, cubic(0.75) = 29/128, cubic(1.75) = −3/128; they sum to 1,
        // so the 22-bit weights are exact (−294912, 3637248, 950272, −98304).
        // Row (0, 1, 69, 0): (111 + 29·69) / 128 = 2112 / 128 = 16.5 → 2^21 + 16.5·2^22 = 17·2^22 → 17.
        assertEquals(17, Bicubic.resize(grey(0, 1, 69, 0), 4, 1, 8, 1)[3] & 0xFF);
        assertArrayEquals(new int[] {-294912, 3637248, 950272, -98304}, Bicubic.Taps.of(4, 8).weights()[3]);
    }

    @Test
    void overshootIsClippedToTheByteRange() {
        // 2 -> 4, output 0: center 0.25, taps x = 0, 1 at 0.25 and 1.25: 111/128 and −9/128, normalised by 102/128:
        // 111/102 and −9/102. Row (255, 0): 255·111/102 = 277.5 → clipped to 255; row (0, 255): −22.5 → 0.
        assertEquals(255, Bicubic.resize(grey(255, 0), 2, 1, 4, 1)[0] & 0xFF);
        assertEquals(0, Bicubic.resize(grey(0, 255), 2, 1, 4, 1)[0] & 0xFF);
    }

    @Test
    void equalsTheFixedPointFormulaEvaluatedPixelByPixel() {
        Random random = new Random(7);
        int[][] sizes = {{37, 23, 64, 48}, {300, 200, 128, 128}, {64, 192, 128, 128}, {90, 90, 90, 45}, {5, 3, 300, 7}};
        for (int[] s : sizes) {
            int w = s[0], h = s[1], outW = s[2], outH = s[3];
            int[] rgb = new int[w * h];
            for (int i = 0; i < rgb.length; i++) rgb[i] = random.nextInt(1 << 24);
            int[] out = Bicubic.resize(rgb, w, h, outW, outH);
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(slowPillow(rgb, w, h, outW, outH, x, y, 16 - 8 * c), (out[y * outW + x] >> (16 - 8 * c)) & 0xFF,
                                w + "x" + h + " -> " + outW + "x" + outH + " at (" + x + ", " + y + ") channel " + c);
                    }
                }
            }
        }
    }

    @Test
    void identitySizeIsACopy() {
        int[] rgb = {0x010203, 0x040506};
        int[] out = Bicubic.resize(rgb, 2, 1, 2, 1);
        assertEquals(0x040506, out[1]);
    }

    private static int[] grey(int... values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i] * 0x010101;
        return out;
    }

    /**
     * One output channel value straight from Resample.c's formulas, with no shared tables: the
     * horizontal pass's bytes for the rows the vertical taps touch, then the vertical sum. Written
     * independently of {@link Bicubic} (long sums, explicit floor division).
     */
    private static int slowPillow(int[] rgb, int w, int h, int outW, int outH, int x, int y, int shift) {
        if (h == outH) {
            return horizontalPass(rgb, w, outW, x, y, shift);
        }
        long[] vertical = weights(h, outH, y);
        long acc = 1L << 21;
        for (int j = 1; j < vertical.length; j++) {
            acc += (long) horizontalPass(rgb, w, outW, x, (int) vertical[0] + j - 1, shift) * vertical[j];
        }
        return byteOf(acc);
    }

    /** The byte the horizontal pass stores at {@code (x, row)} (the input byte when the width is kept). */
    private static int horizontalPass(int[] rgb, int w, int outW, int x, int row, int shift) {
        if (w == outW) {
            return (rgb[row * w + x] >> shift) & 0xFF;
        }
        long[] horizontal = weights(w, outW, x);
        long sum = 1L << 21;
        for (int i = 1; i < horizontal.length; i++) {
            sum += (long) ((rgb[row * w + (int) horizontal[0] + i - 1] >> shift) & 0xFF) * horizontal[i];
        }
        return byteOf(sum);
    }

    private static int byteOf(long fixed) {
        return (int) Math.max(0, Math.min(255, Math.floorDiv(fixed, 1L << 22)));
    }

    /** {first input index, 22-bit weights...} of output sample {@code o} (precompute_coeffs + normalize_coeffs_8bpc). */
    private static long[] weights(int in, int out, int o) {
        double scale = (double) in / out;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = 2.0 * filterScale;
        double center = (o + 0.5) * scale;
        int min = (int) (center - support + 0.5);
        if (min < 0) min = 0;
        int max = (int) (center + support + 0.5);
        if (max > in) max = in;
        double[] k = new double[max - min];
        double sum = 0;
        for (int i = 0; i < k.length; i++) {
            double t = Math.abs((i + min - center + 0.5) * (1.0 / filterScale));
            // Keys cubic, a = -0.5: 1.5|t|^3 - 2.5|t|^2 + 1 on [0, 1), -0.5|t|^3 + 2.5|t|^2 - 4|t| + 2 on [1, 2)
            k[i] = t < 1 ? ((1.5 * t - 2.5) * t * t + 1) : t < 2 ? ((((t - 5) * t + 8) * t - 4) * -0.5) : 0;
            sum += k[i];
        }
        long[] outW = new long[k.length + 1];
        outW[0] = min;
        for (int i = 0; i < k.length; i++) {
            double v = k[i] / sum * 4194304.0;
            outW[i + 1] = v < 0 ? (long) (v - 0.5) : (long) (v + 0.5);
        }
        return outW;
    }
}
