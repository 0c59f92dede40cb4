package mpo4j.notebook;

import java.awt.image.BufferedImage;

/**
 * An object that knows how to show itself: in a notebook as HTML and/or a PNG image, in plain JShell as
 * text. Toolkit types (batches, datasets, loss results, training runs) implement it; the notebook
 * extension turns it into Jupyter display data, so implementing it is all a class needs to render.
 * Notebook front ends show only the richest type they get (HTML before PNG): a view that needs both text
 * and pictures returns HTML with the pictures inlined ({@link Render#imgTag}).
 */
public interface Renderable {

    /** The plain-text view; what JShell prints and what every notebook output carries as {@code text/plain}. */
    String toText();

    /** An HTML fragment for notebooks, or {@code null} when this object has none. */
    default String toHtml() {
        return null;
    }

    /** A picture for notebooks (sent as {@code image/png}), or {@code null} when this object has none. */
    default BufferedImage toImage() {
        return null;
    }
}
