package mpo4j.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The resampler reproduces Pillow's {@code Image.resize(size, BICUBIC)}, InternVL's resize. */
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
                // Pillow uses 22-bit fixed-point weights: allow one level of rounding difference
                assertEquals(pillow[p * 3 + c], (out[p] >> (16 - 8 * c)) & 0xFF, 1, "pixel " + p + " channel " + c);
            }
        }
    }

    @Test
    void identitySizeIsACopy() {
        int[] rgb = {0x010203, 0x040506};
        int[] out = Bicubic.resize(rgb, 2, 1, 2, 1);
        assertEquals(0x040506, out[1]);
    }
}
