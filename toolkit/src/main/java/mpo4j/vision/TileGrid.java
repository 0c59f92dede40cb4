package mpo4j.vision;

/**
 * The grid an image is cut into: {@code cols} tiles across, {@code rows} down, plus an optional
 * thumbnail of the whole image when the grid has more than one tile.
 */
public record TileGrid(int cols, int rows, boolean thumbnail) {

    /** Tiles the grid produces, thumbnail included. */
    public int tiles() {
        return cols * rows + (thumbnail ? 1 : 0);
    }

    @Override
    public String toString() {
        return cols + "x" + rows + (thumbnail ? "+thumb" : "") + " = " + tiles() + " tiles";
    }
}
