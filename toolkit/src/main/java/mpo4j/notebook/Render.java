package mpo4j.notebook;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;
import mpo4j.plot.ChartStyle;
import mpo4j.plot.NiceTicks;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.ConsoleEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.FloatColumn;
import tech.tablesaw.api.NumberColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Turns toolkit values into the bytes and markup a notebook shows: charts and images to PNG, tables to
 * scrollable HTML, anything to plain text (charts as ASCII art, for JShell). Pure functions with no
 * kernel dependency, so they are testable and reusable by any front end.
 */
public final class Render {
    /** Rows a table shows before it says "... n more rows". */
    public static final int DEFAULT_MAX_ROWS = 20;
    /** Longest cell text shown in an HTML table; longer values are cut with an ellipsis. */
    public static final int MAX_CELL_CHARS = 200;
    private static final int TEXT_CHART_WIDTH = 72;
    private static final int TEXT_CHART_HEIGHT = 16;

    private Render() {}

    /** Encodes an image as PNG. */
    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException("no PNG writer for image type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("encoding an image as PNG failed", e);
        }
        return bytes.toByteArray();
    }

    /** Draws an XChart chart at its own size and encodes it as PNG. */
    public static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(tidy(chart), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding chart '" + chart.getTitle() + "' as PNG failed", e);
        }
    }

    /**
     * Draws charts next to each other on one white image, top-aligned; what a {@link Renderable} with
     * several charts (loss and gradient, chosen and rejected rewards) returns from {@code toImage()}.
     */
    public static BufferedImage sideBySide(java.util.List<? extends Chart<?, ?>> charts) {
        if (charts.isEmpty()) {
            throw new IllegalArgumentException("sideBySide needs at least one chart");
        }
        return stack(charts.stream().map(Render::image).toList(), true);
    }

    /** A chart drawn at its own size, after {@link #tidy}. */
    public static BufferedImage image(Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(tidy(chart));
    }

    /**
     * The shared look applied just before drawing, so charts users build themselves get it too: XY
     * charts get {@link ChartStyle#niceAxes} (nice ticks with 0, leading zeros, legend under the
     * plot); other axis charts (bars) get the legend under the plot instead of beside it.
     */
    public static <C extends Chart<?, ?>> C tidy(C chart) {
        if (chart instanceof org.knowm.xchart.XYChart) {
            ChartStyle.niceAxes((org.knowm.xchart.XYChart) chart);
        } else if (chart.getStyler().getLegendPosition() == Styler.LegendPosition.OutsideE) {
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
            chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        }
        return chart;
    }

    /** Images on one white canvas, left to right ({@code horizontal}, top-aligned) or top to bottom (left-aligned). */
    public static BufferedImage stack(java.util.List<BufferedImage> images, boolean horizontal) {
        int along = 0;
        int across = 1;
        for (BufferedImage im : images) {
            along += horizontal ? im.getWidth() : im.getHeight();
            across = Math.max(across, horizontal ? im.getHeight() : im.getWidth());
        }
        int width = horizontal ? Math.max(along, 1) : across;
        int height = horizontal ? across : Math.max(along, 1);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        try {
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, width, height);
            int offset = 0;
            for (BufferedImage im : images) {
                g.drawImage(im, horizontal ? offset : 0, horizontal ? 0 : offset, null);
                offset += horizontal ? im.getWidth() : im.getHeight();
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** An {@code <img>} tag with the image inlined as a PNG data URI, for HTML views that include pictures. */
    public static String imgTag(BufferedImage image) {
        return "<img src=\"data:image/png;base64," + base64(png(image)) + "\" width=\"" + image.getWidth()
                + "\" height=\"" + image.getHeight() + "\" style=\"max-width:100%;height:auto\">";
    }

    /** Base64, the encoding Jupyter expects for binary MIME types such as {@code image/png}. */
    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * A scrollable HTML table of the first {@code maxRows} rows, captioned with the table name and its
     * full shape, so a glance tells how much is not shown. Decimal numbers show 4 significant digits
     * ({@link #number}; missing values as empty cells) and are right-aligned; text is left-aligned.
     */
    public static String html(Table table, int maxRows) {
        if (maxRows < 0) {
            throw new IllegalArgumentException("maxRows must be >= 0, got " + maxRows);
        }
        int rows = table.rowCount();
        int shown = Math.min(rows, maxRows);
        StringBuilder h = new StringBuilder(256 + 64 * shown * Math.max(1, table.columnCount()));
        h.append("<div class=\"mpo4j-table\" style=\"max-height:480px;overflow:auto\">")
                .append("<table><caption style=\"text-align:left\">");
        if (table.name() != null && !table.name().isBlank()) {
            h.append("<b>").append(escape(table.name())).append("</b> &middot; ");
        }
        h.append(rows).append(rows == 1 ? " row" : " rows").append(" &times; ").append(table.columnCount())
                .append(table.columnCount() == 1 ? " column" : " columns");
        if (shown < rows) {
            h.append(" (first ").append(shown).append(" shown)");
        }
        h.append("</caption><thead><tr><th></th>");
        for (String name : table.columnNames()) {
            h.append("<th>").append(escape(name)).append("</th>");
        }
        h.append("</tr></thead><tbody>");
        for (int r = 0; r < shown; r++) {
            h.append("<tr><th>").append(r).append("</th>");
            for (int c = 0; c < table.columnCount(); c++) {
                Column<?> column = table.column(c);
                boolean decimal = column instanceof DoubleColumn || column instanceof FloatColumn;
                String cell = decimal ? number(((NumberColumn<?, ?>) column).getDouble(r)) : table.getString(r, c);
                h.append(column instanceof NumberColumn ? "<td style=\"text-align:right\">" : "<td style=\"text-align:left\">")
                        .append(escape(clip(cell))).append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</tbody></table>");
        if (shown < rows) {
            h.append("<div>&hellip; ").append(rows - shown).append(" more rows</div>");
        }
        return h.append("</div>").toString();
    }

    /** A decimal as a table shows it: 4 significant digits with a leading zero (3.192, 0.0312), "" for NaN. */
    public static String number(double v) {
        return Double.isNaN(v) ? "" : NiceTicks.label(v);
    }

    /** The text a terminal shows for a value: ASCII charts, printed tables, {@link Renderable#toText()}. */
    public static String text(Object value) {
        if (value instanceof Renderable) {
            return ((Renderable) value).toText();
        }
        if (value instanceof Chart) {
            return text((Chart<?, ?>) value, TEXT_CHART_WIDTH, TEXT_CHART_HEIGHT);
        }
        if (value instanceof Table) {
            return ((Table) value).print(DEFAULT_MAX_ROWS);
        }
        if (value instanceof BufferedImage) {
            BufferedImage image = (BufferedImage) value;
            return "image " + image.getWidth() + "x" + image.getHeight();
        }
        return String.valueOf(value);
    }

    /**
     * A chart as text, about {@code width} x {@code height} characters: XY charts as line plots with
     * labelled axes and a legend, other chart kinds as XChart's shaded raster, titled.
     */
    public static String text(Chart<?, ?> chart, int width, int height) {
        if (chart instanceof org.knowm.xchart.XYChart) {
            String plot = AsciiPlot.plot((org.knowm.xchart.XYChart) chart, width, height);
            if (plot != null) {
                return plot;
            }
        }
        String title = chart.getTitle() == null || chart.getTitle().isBlank() ? "" : chart.getTitle() + "\n";
        return title + ConsoleEncoder.getConsoleString(chart, width, height);
    }

    /** Escapes the five HTML-special characters. */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&': out.append("&amp;"); break;
                case '<': out.append("&lt;"); break;
                case '>': out.append("&gt;"); break;
                case '"': out.append("&quot;"); break;
                case '\'': out.append("&#39;"); break;
                default: out.append(ch);
            }
        }
        return out.toString();
    }

    private static String clip(String s) {
        return s.length() <= MAX_CELL_CHARS ? s : s.substring(0, MAX_CELL_CHARS - 1) + "\u2026";
    }
}
