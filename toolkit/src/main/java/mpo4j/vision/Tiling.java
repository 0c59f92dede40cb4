package mpo4j.vision;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import mpo4j.data.Source;

/**
 * InternVL dynamic tiling, as an immutable configuration: pick a grid of {@code tileSize} tiles
 * whose aspect ratio is closest to the image's, resize the image to fill it (bicubic), cut the tiles
 * left-to-right, top-to-bottom, append a thumbnail of the whole image when there is more than one
 * tile, and normalise each tile with the ImageNet mean and std into CHW floats.
 *
 * @param tileSize  tile edge in pixels (448 for InternVL, 64 for the tiny model)
 * @param minTiles  fewest grid tiles ({@code min_num}, default 1)
 * @param maxTiles  most grid tiles ({@code max_num} / {@code max_dynamic_patch}, default 12)
 * @param thumbnail {@code use_thumbnail}: append the whole image as one more tile when the grid has several
 */
public record Tiling(int tileSize, int minTiles, int maxTiles, boolean thumbnail) {
    /** ImageNet channel means (RGB), applied after scaling to [0, 1]. */
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet channel standard deviations (RGB). */
    public static final float[] STD = {0.229f, 0.224f, 0.225f};

    public Tiling {
        if (tileSize < 1 || minTiles < 1 || maxTiles < minTiles) {
            throw new IllegalArgumentException("bad tiling: tileSize=" + tileSize + " minTiles=" + minTiles + " maxTiles=" + maxTiles);
        }
    }

    /** InternVL's defaults: 448 px tiles, 1..12 tiles, thumbnail on. */
    public static Tiling defaults() {
        return new Tiling(448, 1, 12, true);
    }

    public Tiling withTileSize(int size) { return new Tiling(size, minTiles, maxTiles, thumbnail); }

    public Tiling withMinTiles(int min) { return new Tiling(tileSize, min, maxTiles, thumbnail); }

    public Tiling withMaxTiles(int max) { return new Tiling(tileSize, Math.min(minTiles, max), max, thumbnail); }

    public Tiling withThumbnail(boolean on) { return new Tiling(tileSize, minTiles, maxTiles, on); }

    /**
     * The tiling for each image of a pair: the pair's own {@code max_dynamic_patch} (from its meta.json
     * entry; {@code null} keeps this tiling's) shared among its {@code images} images.
     */
    public Tiling forPair(Integer maxDynamicPatch, int images) {
        return (maxDynamicPatch != null ? withMaxTiles(maxDynamicPatch) : this).perImage(images);
    }

    /** The tiling for one of {@code images} images of a sample: tile limit {@code max(1, maxTiles / images)}. */
    public Tiling perImage(int images) {
        return images <= 1 ? this : withMaxTiles(Math.max(1, maxTiles / images));
    }

    /**
     * The grid for a {@code width x height} image (InternVL's {@code find_closest_aspect_ratio}).
     * Candidates {@code (cols, rows)} with {@code minTiles <= cols*rows <= maxTiles} are visited by
     * ascending {@code cols*rows}, ties in enumeration order (cols outer, rows inner); the smallest
     * {@code |aspect - cols/rows|} wins, and on an exact tie a later candidate replaces the best only if
     * {@code width*height > 0.5 * tileSize^2 * cols*rows} (a big image may use more tiles).
     */
    public TileGrid grid(int width, int height) {
        double aspect = (double) width / height;
        double area = (double) width * height;
        int bestCols = 1, bestRows = 1;
        double bestDiff = Double.POSITIVE_INFINITY;
        for (int product = minTiles; product <= maxTiles; product++) {
            for (int cols = 1; cols <= maxTiles; cols++) {
                if (product % cols != 0) {
                    continue;
                }
                int rows = product / cols;
                double diff = Math.abs(aspect - (double) cols / rows);
                if (diff < bestDiff) {
                    bestDiff = diff;
                    bestCols = cols;
                    bestRows = rows;
                } else if (diff == bestDiff && area > 0.5 * tileSize * tileSize * cols * rows) {
                    bestCols = cols;
                    bestRows = rows;
                }
            }
        }
        return new TileGrid(bestCols, bestRows, thumbnail && bestCols * bestRows > 1);
    }

    /** Tiles an image already in memory. */
    public ImageTiles tile(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        int[] rgb = RgbImages.pixels(image);
        TileGrid grid = grid(w, h);
        int s = tileSize, plane = s * s;
        float[] pixels = new float[grid.tiles() * 3 * plane];
        int fullW = s * grid.cols(), fullH = s * grid.rows();
        int[] resized = Bicubic.resize(rgb, w, h, fullW, fullH);
        int t = 0;
        for (int r = 0; r < grid.rows(); r++) {
            for (int c = 0; c < grid.cols(); c++, t++) {
                normalise(resized, fullW, c * s, r * s, pixels, t * 3 * plane);
            }
        }
        if (grid.thumbnail()) {
            normalise(Bicubic.resize(rgb, w, h, s, s), s, 0, 0, pixels, t * 3 * plane);
        }
        return new ImageTiles(pixels, grid, s);
    }

    /** Reads and tiles an image file; errors name the file and {@code source}. */
    public ImageTiles tile(Path file, Source source) {
        return tile(RgbImages.read(file, source));
    }

    /** Reads and tiles an image file. */
    public ImageTiles tile(Path file) {
        return tile(file, Source.inline(file.toString()));
    }

    /** Copies the {@code s x s} window at {@code (x0, y0)} of a {@code stride}-wide image as normalised CHW floats. */
    private void normalise(int[] rgb, int stride, int x0, int y0, float[] out, int offset) {
        int s = tileSize, plane = s * s;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                int p = rgb[(y0 + y) * stride + x0 + x];
                int i = offset + y * s + x;
                out[i] = (((p >> 16) & 0xFF) / 255f - MEAN[0]) / STD[0];
                out[i + plane] = (((p >> 8) & 0xFF) / 255f - MEAN[1]) / STD[1];
                out[i + 2 * plane] = ((p & 0xFF) / 255f - MEAN[2]) / STD[2];
            }
        }
    }
}
