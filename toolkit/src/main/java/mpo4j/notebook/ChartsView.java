package mpo4j.notebook;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.stream.Collectors;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Several charts shown as one picture, in rows of {@code columns} (e.g. {@code plotLoss(...)}'s loss
 * and gradient charts side by side, or a run's training panels); in JShell each chart prints as text,
 * one below the other.
 */
public final class ChartsView implements Renderable {
    private final List<? extends Chart<?, ?>> charts;
    private final int columns;

    private ChartsView(java.util.Collection<? extends Chart<?, ?>> charts, int columns) {
        if (charts.isEmpty()) {
            throw new IllegalArgumentException("ChartsView needs at least one chart");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        }
        this.charts = List.copyOf(charts);
        this.columns = columns;
    }

    /** The charts in one row. */
    public static ChartsView of(java.util.Collection<? extends Chart<?, ?>> charts) {
        return new ChartsView(charts, charts.size());
    }

    /** The charts in rows of {@code columns}. */
    public static ChartsView grid(java.util.Collection<? extends Chart<?, ?>> charts, int columns) {
        return new ChartsView(charts, columns);
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
        if (charts.size() <= columns) {
            return Render.sideBySide(charts);
        }
        List<BufferedImage> rows = new java.util.ArrayList<>();
        for (int from = 0; from < charts.size(); from += columns) {
            rows.add(Render.sideBySide(charts.subList(from, Math.min(from + columns, charts.size()))));
        }
        return Render.stack(rows, false);
    }

    @Override
    public String toString() {
        return toText();
    }
}
