package mpo4j.notebook;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.stream.Collectors;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Several charts shown as one picture, side by side (e.g. {@code plotLoss(...)}'s loss and gradient
 * charts); in JShell each chart prints as text, one below the other.
 *
 * <pre>{@code
 * ChartsView.of(List.of(lossChart, gradientChart))   // one PNG in a notebook
 * }</pre>
 */
public final class ChartsView implements Renderable {
    private final List<? extends Chart<?, ?>> charts;

    private ChartsView(List<? extends Chart<?, ?>> charts) {
        if (charts.isEmpty()) {
            throw new IllegalArgumentException("ChartsView needs at least one chart");
        }
        this.charts = List.copyOf(charts);
    }

    public static ChartsView of(List<? extends Chart<?, ?>> charts) {
        return new ChartsView(charts);
    }

    @Override
    public String toText() {
        return charts.stream().map(Render::text).collect(Collectors.joining("\n"));
    }

    /** A one-line description (chart kinds, titles and sizes), the text a notebook stores next to the PNG. */
    public String label() {
        return charts.stream().map(NotebookExtension::chartLabel).collect(Collectors.joining(" | "));
    }

    @Override
    public BufferedImage toImage() {
        return Render.sideBySide(charts);
    }

    @Override
    public String toString() {
        return toText();
    }
}
