package mpo4j.sample;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A picture of a few big flat shapes on a white background, laid out on a grid so that every shape
 * sits clearly in one cell (and, for grids with two columns, clearly on the left or the right).
 * Drawn with antialiasing off so the PNG bytes are the same on every run.
 */
record ShapeScene(int width, int height, int cols, int rows, List<Item> items) {

    enum Kind { CIRCLE, SQUARE, TRIANGLE;
        String word() { return name().toLowerCase(); }
    }

    enum Hue {
        RED(220, 30, 30), GREEN(30, 170, 50), BLUE(40, 70, 225), YELLOW(240, 200, 0);

        final Color color;

        Hue(int r, int g, int b) { this.color = new Color(r, g, b); }

        String word() { return name().toLowerCase(); }
    }

    /** One shape in grid cell ({@code col}, {@code row}). */
    record Item(Kind kind, Hue hue, int col, int row) {}

    /** Canvas sizes: mostly near-square, plus a tall and a wide one that need several tiles. */
    static final int[][] SIZES = {{96, 96}, {128, 96}, {96, 128}, {128, 128}, {160, 120}, {120, 160}};
    static final int[] TALL = {64, 192};
    static final int[] WIDE = {224, 72};

    /** A scene whose items occupy distinct random cells of a grid fitted to the canvas. */
    static ShapeScene layout(int width, int height, List<Kind> kinds, List<Hue> hues, Random random) {
        int n = kinds.size();
        int cols, rows;
        if (width >= 2 * height) { cols = Math.max(n, 2); rows = 1; }
        else if (height >= 2 * width) { cols = 1; rows = Math.max(n, 2); }
        else if (n <= 2) { cols = 2; rows = 1; }
        else { cols = 2; rows = 2; }
        List<Integer> cells = new ArrayList<>();
        for (int c = 0; c < cols * rows; c++) cells.add(c);
        java.util.Collections.shuffle(cells, random);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int cell = cells.get(i);
            items.add(new Item(kinds.get(i), hues.get(i), cell % cols, cell / cols));
        }
        return new ShapeScene(width, height, cols, rows, List.copyOf(items));
    }

    /** Is the item in the left half? Only meaningful when {@link #hasSides()}. */
    boolean isLeft(Item item) { return item.col() < cols / 2; }

    /** Left/right questions make sense: two columns. */
    boolean hasSides() { return cols == 2; }

    BufferedImage render() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_SPEED);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int cellW = width / cols, cellH = height / rows;
        int size = (int) (0.78 * Math.min(cellW, cellH));
        for (Item it : items) {
            int x = it.col() * cellW + (cellW - size) / 2;
            int y = it.row() * cellH + (cellH - size) / 2;
            g.setColor(it.hue().color);
            switch (it.kind()) {
                case CIRCLE -> g.fillOval(x, y, size, size);
                case SQUARE -> g.fillRect(x + size / 10, y + size / 10, size - size / 5, size - size / 5);
                case TRIANGLE -> g.fillPolygon(new Polygon(new int[] {x + size / 2, x + size, x}, new int[] {y, y + size, y + size}, 3));
            }
        }
        g.dispose();
        return img;
    }
}
