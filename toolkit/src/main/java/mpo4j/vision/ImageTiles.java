package mpo4j.vision;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * The normalised tiles of one image: {@code count()} tiles of {@code [3, tileSize, tileSize]} floats,
 * grid tiles first (left-to-right, top-to-bottom), then the thumbnail if any.
 */
public final class ImageTiles {
    private final float[] pixels;
    private final TileGrid grid;
    private final int tileSize;

    ImageTiles(float[] pixels, TileGrid grid, int tileSize) {
        this.pixels = pixels;
        this.grid = grid;
        this.tileSize = tileSize;
    }

    public TileGrid grid() { return grid; }

    public int count() { return grid.tiles(); }

    public int tileSize() { return tileSize; }

    /** All tiles, {@code [count, 3, tileSize, tileSize]} row-major; the array is shared, do not modify. */
    public float[] pixels() { return pixels; }

    /** Floats per tile ({@code 3 * tileSize^2}). */
    public int tileFloats() { return 3 * tileSize * tileSize; }

    /**
     * The tiles drawn back as pixels: the grid as it was cut (with 2 px gaps so the cuts show) and
     * the thumbnail to its right.
     */
    public BufferedImage toImage() {
        int gap = 2, s = tileSize;
        int gridW = grid.cols() * (s + gap) - gap;
        int width = gridW + (grid.thumbnail() ? gap * 4 + s : 0);
        int height = Math.max(grid.rows() * (s + gap) - gap, s);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        int t = 0;
        for (int r = 0; r < grid.rows(); r++) {
            for (int c = 0; c < grid.cols(); c++, t++) {
                draw(img, t, c * (s + gap), r * (s + gap));
            }
        }
        if (grid.thumbnail()) {
            draw(img, t, gridW + gap * 4, 0);
        }
        return img;
    }

    private void draw(BufferedImage img, int tile, int x0, int y0) {
        int s = tileSize, plane = s * s, off = tile * 3 * plane;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                int i = off + y * s + x;
                int r = denorm(pixels[i], 0), g = denorm(pixels[i + plane], 1), b = denorm(pixels[i + 2 * plane], 2);
                img.setRGB(x0 + x, y0 + y, (r << 16) | (g << 8) | b);
            }
        }
    }

    private static int denorm(float v, int channel) {
        return Math.max(0, Math.min(255, Math.round((v * Tiling.STD[channel] + Tiling.MEAN[channel]) * 255f)));
    }

    @Override
    public String toString() {
        return "ImageTiles[" + grid + ", " + tileSize + "px]";
    }
}
