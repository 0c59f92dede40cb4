package mpo4j.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class RenderTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    static XYChart lossChart() {
        XYChart chart = new XYChartBuilder().width(320).height(200).title("loss").build();
        chart.addSeries("train", new double[] {0, 1, 2, 3}, new double[] {0.69, 0.5, 0.4, 0.35});
        return chart;
    }

    static Table pairs(int rows) {
        int[] ids = new int[rows];
        double[] margins = new double[rows];
        String[] prompts = new String[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = i;
            margins[i] = i * 0.5;
            prompts[i] = "q" + i;
        }
        return Table.create("pairs", IntColumn.create("id", ids), DoubleColumn.create("margin", margins),
                StringColumn.create("prompt", prompts));
    }

    @Test
    void chartRendersAsPngAtItsOwnSize() throws Exception {
        byte[] png = Render.png(lossChart());
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(png, 8));
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(320, back.getWidth());
        assertEquals(200, back.getHeight());
    }

    @Test
    void imageRoundTripsThroughPng() throws Exception {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(2, 1, 0x123456);
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(Render.png(image)));
        assertEquals(0x123456, back.getRGB(2, 1) & 0xffffff);
        assertEquals("image 3x2", Render.text(image));
    }

    @Test
    void chartsSideBySideShareOneImage() {
        XYChart tall = new XYChartBuilder().width(100).height(250).title("tall").build();
        tall.addSeries("s", new double[] {0, 1}, new double[] {0, 1});
        BufferedImage both = Render.sideBySide(java.util.List.of(lossChart(), tall));
        assertEquals(320 + 100, both.getWidth());
        assertEquals(250, both.getHeight());
        assertEquals(0xffffff, both.getRGB(10, 240) & 0xffffff, "below the shorter chart is white");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Render.sideBySide(java.util.List.of()));
        assertEquals("sideBySide needs at least one chart", e.getMessage());
    }

    @Test
    void tableHtmlShowsFirstRowsAndTheFullShape() {
        String html = Render.html(pairs(25), 20);
        assertTrue(html.contains("<table>"), html);
        assertTrue(html.contains("<b>pairs</b> &middot; 25 rows &times; 3 columns (first 20 shown)"), html);
        assertTrue(html.contains("<th>margin</th>"), html);
        assertTrue(html.contains("<td style=\"text-align:left\">q19</td>"), "text left-aligned: " + html);
        assertFalse(html.contains(">q20</td>"), html);
        assertTrue(html.contains("&hellip; 5 more rows"), html);
        assertTrue(html.contains("overflow:auto"), "scrollable: " + html);
        // 20 body rows, one header row
        assertEquals(21, html.split("<tr>", -1).length - 1);
    }

    @Test
    void tableNumbersShowFourSignificantDigitsRightAligned() {
        Table t = Table.create("m", DoubleColumn.create("loss", new double[] {3.1918323040008545, 0.020001, Double.NaN, 12345.678, -0.0}),
                tech.tablesaw.api.IntColumn.create("step", new int[] {1, 2, 3, 4, 5}));
        String html = Render.html(t, 10);
        assertTrue(html.contains("<td style=\"text-align:right\">3.192</td>"), html);
        assertTrue(html.contains(">0.02</td>"), "a leading zero, trailing zeros dropped: " + html);
        assertTrue(html.contains("<td style=\"text-align:right\"></td>"), "NaN (no value) is an empty cell: " + html);
        assertTrue(html.contains(">12350</td>"), "12345.678 to 4 significant digits: " + html);
        assertTrue(html.contains(">0</td>"), "no -0: " + html);
        assertTrue(html.contains("<td style=\"text-align:right\">5</td>"), "integers as they are: " + html);
    }

    @Test
    void tableHtmlEscapesCellsAndClipsLongOnes() {
        Table t = Table.create("t", StringColumn.create("text", new String[] {"<b>&'\"", "x".repeat(500)}));
        String html = Render.html(t, 10);
        assertTrue(html.contains(">&lt;b&gt;&amp;&#39;&quot;</td>"), html);
        assertTrue(html.contains("x".repeat(199) + "\u2026</td>"), html);
        assertFalse(html.contains("x".repeat(200)));
        assertTrue(html.contains("2 rows &times; 1 column<"), html);
    }

    @Test
    void negativeRowLimitIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Render.html(pairs(1), -1));
        assertEquals("maxRows must be >= 0, got -1", e.getMessage());
    }

    @Test
    void chartTextIsALabelledAsciiLinePlot() {
        XYChart chart = new XYChartBuilder().title("demo").xAxisTitle("step").build();
        chart.addSeries("up", new double[] {0, 1, 2}, new double[] {0, 1, 2});
        // 9 plot columns x 3 rows: (0,0) bottom-left, (1,1) middle, (2,2) top-right, joined by interpolation
        String expected = "demo\n"
                + "2 |       **\n"
                + "  |   ****\n"
                + "0 |***\n"
                + "  +---------\n"
                + "   0       2   step\n"
                + "   * up\n";
        assertEquals(expected, Render.text(chart, 12, 3));
        assertTrue(Render.text(lossChart()).contains("0.69 |*"), Render.text(lossChart()));
        assertEquals("0.3457", AsciiPlot.number(0.345678));
        assertEquals("-3", AsciiPlot.number(-3.0));
    }

    @Test
    void nonXyChartsFallBackToXChartsRaster() {
        org.knowm.xchart.PieChart pie = new org.knowm.xchart.PieChartBuilder().width(200).height(100).title("share").build();
        pie.addSeries("a", 1);
        pie.addSeries("b", 3);
        String text = Render.text(pie);
        assertTrue(text.startsWith("share\n"), text);
        assertTrue(text.lines().count() > 5, text);
    }

    @Test
    void extensionRendersChartsTablesImagesAndRenderables() {
        Renderer renderer = new Renderer();
        NotebookExtension.register(renderer);

        DisplayData chart = renderer.render(lossChart());
        byte[] png = Base64.getDecoder().decode((String) chart.getData(MIMEType.IMAGE_PNG));
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(png, 8));
        assertEquals("XYChart 'loss' 320x200", chart.getData(MIMEType.TEXT_PLAIN));

        DisplayData table = renderer.render(pairs(3));
        assertTrue(((String) table.getData(MIMEType.TEXT_HTML)).contains(">q2</td>"));
        assertTrue(((String) table.getData(MIMEType.TEXT_PLAIN)).contains("q2"));

        DisplayData image = renderer.render(new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB));
        assertTrue(image.hasDataForType(MIMEType.IMAGE_PNG));

        Renderable htmlOnly = new Renderable() {
            public String toText() { return "score = 1.5"; }
            public String toHtml() { return "<b>1.5</b>"; }
        };
        DisplayData r = renderer.render(htmlOnly);
        assertEquals("<b>1.5</b>", r.getData(MIMEType.TEXT_HTML));
        assertEquals("score = 1.5", r.getData(MIMEType.TEXT_PLAIN));
        assertNull(r.getData(MIMEType.IMAGE_PNG), "no image offered, none sent");
    }

    @Test
    void outsideAKernelDisplayPrintsTextAndUpdatesAreDropped() {
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LiveDisplay d;
        try {
            d = Notebook.display(pairs(2));
            d.update(pairs(5));
            LiveDisplay.show("not shown").update("still not shown");
        } finally {
            System.setOut(old);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("q1"), out);
        assertFalse(out.contains("q4"), "updates print nothing outside a kernel: " + out);
        assertFalse(out.contains("shown"), out);
        assertFalse(d.isLive());
        assertFalse(Notebook.inKernel());
        assertEquals(36, d.id().length());
    }

    @Test
    void blankDisplayIdsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Notebook.updateDisplay(" ", 1));
        assertEquals("display id must not be blank", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LiveDisplay.of(null));
    }
}
