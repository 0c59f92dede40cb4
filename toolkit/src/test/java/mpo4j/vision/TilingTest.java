package mpo4j.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import mpo4j.data.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TilingTest {
    static final Tiling MAX12 = Tiling.defaults();

    static String grid(Tiling t, int w, int h) {
        TileGrid g = t.grid(w, h);
        return g.cols() + "x" + g.rows() + "=" + g.tiles();
    }

    @Test
    void specExamples() {
        // 1000x1000: 1x1, 2x2 tie on |1-1|=0; 2x2 wins since 1e6 > 0.5*448^2*4 = 401408, 3x3 needs > 903168
        assertEquals("2x2=5", grid(MAX12.withMaxTiles(6), 1000, 1000));
        assertEquals("3x3=10", grid(MAX12, 1000, 1000));
        // 500x400 = 200000 is not > 0.5*448^2*1 ... but 1x1 is the first exact... aspect 1.25: 1/1 (0.25) beats 2/1 (0.75)
        assertEquals("1x1=1", grid(MAX12.withMaxTiles(6), 500, 400));
        assertEquals("4x3=13", grid(MAX12, 800, 600));
        assertEquals("4x2=9", grid(MAX12, 1920, 1080));
        assertEquals("1x12=13", grid(MAX12, 100, 2000));
        assertEquals("6x1=7", grid(MAX12, 3000, 500));
    }

    @Test
    void tieGoesToTheLaterCandidateOnlyForBigImages() {
        // at max 6, aspect 1.25 is equidistant from 1/1 and 3/2 (both 0.25): 1x1 comes first, 3x2
        // replaces it only if area > 0.5*448^2*6 = 602112
        Tiling max6 = MAX12.withMaxTiles(6);
        assertEquals("1x1=1", grid(max6, 500, 400));
        assertEquals("3x2=7", grid(max6, 1000, 800));
        // with 64 px tiles the same small image is "big": 200000 > 0.5*64^2*6 = 12288
        assertEquals("3x2=7", grid(max6.withTileSize(64), 500, 400));
        // at max 12, 4/3 (diff 0.083) is strictly closer than both, whatever the area
        assertEquals("4x3=13", grid(MAX12, 500, 400));
    }

    @Test
    void edgeShapes() {
        assertEquals("1x1=1", grid(MAX12, 1, 1));
        assertEquals("3x2=7", grid(MAX12, 3, 2)); // exact aspect match wins: tiny images are upscaled
        assertEquals("1x12=13", grid(MAX12, 1, 10000));
        assertEquals("12x1=13", grid(MAX12, 10000, 1));
        assertEquals("1x6=7", grid(MAX12.withMaxTiles(6), 10, 5000));
        assertEquals("1x1=1", grid(MAX12.withMaxTiles(1), 3000, 500));
        assertEquals("3x3=9", grid(MAX12.withThumbnail(false), 1000, 1000));
        assertEquals(TileGrid.class, MAX12.grid(5, 5).getClass());
    }

    @Test
    void edgeShapesTileToFullArrays() {
        float white = (1f - 0.485f) / 0.229f;
        ImageTiles one = MAX12.withTileSize(8).tile(solid(1, 1, 0xFFFFFF));
        assertEquals(1, one.count());
        for (int i = 0; i < 64; i++) assertEquals(white, one.pixels()[i], 1e-5);
        ImageTiles wide = MAX12.withTileSize(8).tile(solid(5000, 1, 0xFFFFFF));
        assertEquals(13, wide.count());                    // 12x1 + thumbnail
        assertEquals(13 * 3 * 64, wide.pixels().length);
        assertEquals(white, wide.pixels()[12 * 3 * 64 + 63], 1e-5);
        ImageTiles tall = MAX12.withTileSize(8).tile(solid(1, 5000, 0xFFFFFF));
        assertEquals("1x12+thumb = 13 tiles", tall.grid().toString());
    }

    @Test
    void perImageLimitSplitsTheBudget() {
        assertEquals(6, MAX12.perImage(2).maxTiles());
        assertEquals(1, MAX12.perImage(20).maxTiles());
        assertEquals(12, MAX12.perImage(1).maxTiles());
        assertEquals(4, MAX12.perImage(3).maxTiles());
    }

    @Test
    void normalisesAKnownPixelWithImageNetStats() {
        BufferedImage img = solid(10, 10, 0xFF8000); // r=255, g=128, b=0
        ImageTiles t = MAX12.withTileSize(8).tile(img);
        assertEquals(1, t.count());
        float[] p = t.pixels();
        assertEquals((1f - 0.485f) / 0.229f, p[0], 1e-5);            // 2.2489
        assertEquals((128 / 255f - 0.456f) / 0.224f, p[64], 1e-5);   // 0.2052
        assertEquals((0f - 0.406f) / 0.225f, p[128 + 63], 1e-5);     // -1.8044
        assertEquals(3 * 64, p.length);
    }

    @Test
    void tilesAreCutLeftToRightTopToBottomThenThumbnail() {
        // 4 quadrants of 8x8 with distinct colours; 16x16 with 8px tiles → 2x2 grid (no resize) + thumbnail
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        int[] colours = {0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF};
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) img.setRGB(x, y, colours[(y / 8) * 2 + x / 8]);
        ImageTiles t = MAX12.withTileSize(8).tile(img);
        assertEquals("2x2+thumb = 5 tiles", t.grid().toString());
        int plane = 64;
        for (int tile = 0; tile < 4; tile++) {
            int c = colours[tile];
            for (int ch = 0; ch < 3; ch++) {
                int v = (c >> (16 - 8 * ch)) & 0xFF;
                float expected = (v / 255f - Tiling.MEAN[ch]) / Tiling.STD[ch];
                assertEquals(expected, t.pixels()[tile * 3 * plane + ch * plane + 27], 1e-5, "tile " + tile + " ch " + ch);
            }
        }
        // thumbnail: 16→8 downscale, the top-left thumbnail pixel is mostly red
        float thumbRed = t.pixels()[4 * 3 * plane];
        assertTrue(thumbRed > 1.5f, "thumbnail top-left should be red, was " + thumbRed);
        BufferedImage grid = t.toImage();
        assertEquals(2 * 8 + 2 + 8 + 8, grid.getWidth());
        assertEquals(0xFF0000, grid.getRGB(3, 3) & 0xFFFFFF);
        assertEquals(0xFFFFFF, grid.getRGB(13, 13) & 0xFFFFFF);
    }

    @Test
    void bicubicResizeKeepsFlatColourAndIsDeterministic() {
        BufferedImage flat = solid(37, 23, 0x336699);
        ImageTiles a = MAX12.withTileSize(16).tile(flat);
        for (int i = 0; i < 16 * 16; i++) {
            assertEquals((0x33 / 255f - 0.485f) / 0.229f, a.pixels()[i], 1e-5);
        }
        BufferedImage noise = new BufferedImage(50, 30, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(1);
        for (int y = 0; y < 30; y++) for (int x = 0; x < 50; x++) noise.setRGB(x, y, r.nextInt(0xFFFFFF));
        assertEquals(java.util.Arrays.hashCode(MAX12.withTileSize(16).tile(noise).pixels()),
                java.util.Arrays.hashCode(MAX12.withTileSize(16).tile(noise).pixels()));
    }

    @Test
    void downscaleAveragesLikeAnAntialiasedFilter() {
        // 2x1 checkerboard columns black/white downscaled by 4 → mid grey, not aliased black or white
        BufferedImage stripes = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) stripes.setRGB(x, y, x % 2 == 0 ? 0 : 0xFFFFFF);
        ImageTiles t = MAX12.withTileSize(8).withMaxTiles(1).tile(stripes);
        float grey = t.pixels()[8 * 4 + 4] * 0.229f + 0.485f;
        assertEquals(0.5f, grey, 0.05f);
    }

    @Test
    void readsPngFilesAndNamesMissingOrCorruptOnes(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("a.png");
        ImageIO.write(solid(120, 60, 0x00FF00), "png", png.toFile());
        ImageTiles t = MAX12.withTileSize(64).tile(png, new Source("d.jsonl", 3));
        assertEquals("2x1+thumb = 3 tiles", t.grid().toString());

        Source src = new Source("ann.jsonl", 7);
        var missing = assertThrows(IllegalArgumentException.class, () -> RgbImages.read(dir.resolve("nope.png"), src));
        assertTrue(missing.getMessage().contains("nope.png") && missing.getMessage().contains("ann.jsonl:7"), missing.getMessage());
        Path bad = dir.resolve("bad.png");
        Files.writeString(bad, "not a png");
        var corrupt = assertThrows(IllegalArgumentException.class, () -> RgbImages.read(bad, src));
        assertTrue(corrupt.getMessage().contains("bad.png") && corrupt.getMessage().contains("ann.jsonl:7"), corrupt.getMessage());
    }

    @Test
    void greyAndAlphaImagesBecomeRgbLikePillow(@TempDir Path dir) throws Exception {
        BufferedImage grey = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 1, 0, 100);
        Path g = dir.resolve("g.png");
        ImageIO.write(grey, "png", g.toFile());
        BufferedImage rgb = RgbImages.read(g, Source.inline("test"));
        assertEquals(0x646464, rgb.getRGB(1, 1) & 0xFFFFFF); // 100 replicated, no gamma change
        assertEquals(0, rgb.getRGB(0, 0) & 0xFFFFFF);

        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x10FF8000); // almost transparent orange: alpha is dropped, not blended
        Path a = dir.resolve("a.png");
        ImageIO.write(argb, "png", a.toFile());
        assertEquals(0xFF8000, RgbImages.read(a, Source.inline("test")).getRGB(0, 0) & 0xFFFFFF);
    }

    @Test
    void jpegAugmentIsSeededAndStaysClose() {
        BufferedImage img = solid(32, 32, 0x808080);
        img.setRGB(5, 5, 0xFF0000);
        BufferedImage a = RgbImages.jpegDegrade(img, new Random(3));
        BufferedImage b = RgbImages.jpegDegrade(img, new Random(3));
        assertEquals(a.getRGB(20, 20), b.getRGB(20, 20));
        assertEquals(0x80, a.getRGB(20, 20) & 0xFF, 3);
        assertNotEquals(0xFF0000, a.getRGB(5, 5) & 0xFFFFFF); // lossy
    }

    @Test
    void badConfigIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Tiling(0, 1, 12, true));
        assertThrows(IllegalArgumentException.class, () -> new Tiling(448, 3, 2, true));
    }

    static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        return img;
    }
}
