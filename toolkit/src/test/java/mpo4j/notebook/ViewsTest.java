package mpo4j.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.Source;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.Test;
import mpo4j.text.Labels;

class ViewsTest {
    private static final long I = Labels.IGNORE;

    /** One pair: prompt token 5, image tokens 9 9, answer 7 8 (chosen) or 6 + one pad (rejected). */
    static PreferenceBatch onePair() {
        SequenceBatch chosen = new SequenceBatch(1, 5, new long[] {5, 9, 9, 7, 8}, new long[] {I, I, I, 7, 8}, new int[] {5}, 0);
        SequenceBatch rejected = new SequenceBatch(1, 5, new long[] {5, 9, 9, 6, 0}, new long[] {I, I, I, 6, I}, new int[] {4}, 0);
        return new PreferenceBatch(chosen, rejected, new float[3], 1, 1, new int[] {1}, new int[] {0, 1},
                List.of(new Source("pairs.jsonl", 3)), null, null);
    }

    @Test
    void tokenMapColoursEachPositionByWhatItIsWithRowLabelsAndAnAxis() {
        BufferedImage map = BatchView.of(onePair()).toImage();
        // 5 positions of 6 px (720 / 5 is capped at 6) after a 118 px label column, 16 px right margin
        assertEquals(118 + 5 * 6 + 16, map.getWidth());
        // chosen row 10 px + 2 px gap, 8 px between the blocks, rejected row + gap, then the 28 px axis
        assertEquals(12 + 8 + 12 + 28, map.getHeight());
        int chosenY = 2;
        int rejectedY = 12 + 8 + 2;
        int[] expectedChosen = {BatchView.PROMPT.getRGB(), BatchView.IMAGE.getRGB(), BatchView.IMAGE.getRGB(),
                BatchView.TRAINED.getRGB(), BatchView.TRAINED.getRGB()};
        for (int t = 0; t < 5; t++) {
            assertEquals(expectedChosen[t] & 0xffffff, map.getRGB(118 + t * 6 + 1, chosenY) & 0xffffff, "chosen position " + t);
        }
        assertEquals(BatchView.TRAINED.getRGB() & 0xffffff, map.getRGB(118 + 3 * 6 + 1, rejectedY) & 0xffffff);
        assertEquals(BatchView.PADDING.getRGB() & 0xffffff, map.getRGB(118 + 4 * 6 + 1, rejectedY) & 0xffffff, "past the true length");
        assertTrue(BatchView.PADDING.getRGB() != java.awt.Color.WHITE.getRGB(), "padding must not look like background");
        assertTrue(hasInk(map, 0, 0, 110, 12), "a row label left of the chosen row");
        assertTrue(hasInk(map, 118, 34, 30, 26), "a position axis under the map");
        assertEquals("pair 3 rejected", BatchView.label(3, true));
    }

    @Test
    void tokenMapHtmlNamesEveryPositionOnHover() {
        String html = BatchView.of(onePair()).toHtml();
        // 5 chosen + 5 rejected positions, each an area with a title
        assertEquals(10, html.split("<area ", -1).length - 1);
        assertTrue(html.contains("title=\"pair 0 rejected \u00b7 pos 4 \u00b7 id 0 \u00b7 padding\""), html.substring(html.indexOf("<map")));
        assertTrue(html.contains("title=\"pair 0 chosen \u00b7 pos 1 \u00b7 id 9 \u00b7 image\""));
        assertTrue(html.contains("coords=\"124,0,130,10\""), "position 1 of row 0: x 118 + 6 .. 118 + 12");
        assertTrue(html.matches("(?s).*<img usemap=\"#(mpo4j-tokens-[-0-9a-f]+)\".*<map name=\"\\1\">.*"), "the image uses its map");
    }

    /** True when some pixel of the rectangle is darker than light grey (text, lines). */
    static boolean hasInk(BufferedImage im, int x0, int y0, int w, int h) {
        for (int y = y0; y < Math.min(im.getHeight(), y0 + h); y++) {
            for (int x = x0; x < Math.min(im.getWidth(), x0 + w); x++) {
                int rgb = im.getRGB(x, y);
                if (((rgb >> 16) & 0xff) < 120 && ((rgb >> 8) & 0xff) < 120 && (rgb & 0xff) < 120) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void htmlNamesShapesSpansAndSources() {
        PreferenceBatch batch = onePair();
        String html = BatchView.of(batch).toHtml();
        assertTrue(html.contains("chosen <code>[1, 5]</code>"), html);
        assertTrue(html.contains("pixel_values <code>[1, 3, 1, 1]</code>"), html);
        assertTrue(html.contains("<td>pairs.jsonl:3</td>"), html);
        assertTrue(html.contains("<td>1..3</td>"), "image tokens at positions 1 and 2: " + html);
        assertTrue(html.contains("data:image/png;base64,"), html);
        assertEquals(batch.summary(), BatchView.of(batch).toText());
    }

    @Test
    void extensionRendersBatchesAsHtml() {
        Renderer renderer = new Renderer();
        NotebookExtension.register(renderer);
        DisplayData data = renderer.render(onePair());
        assertTrue(String.valueOf(data.getData(MIMEType.TEXT_HTML)).startsWith("<div class=\"mpo4j-batch\">"));
        assertEquals(onePair().summary(), data.getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void lossPlotsRenderAsOnePngWithBothCharts() throws Exception {
        Renderer renderer = new Renderer();
        NotebookExtension.register(renderer);
        mpo4j.plot.LossPlots plots = mpo4j.plot.LossPlots.of(mpo4j.loss.PreferenceLoss.dpo());
        DisplayData data = renderer.render(plots);
        BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                java.util.Base64.getDecoder().decode(String.valueOf(data.getData(MIMEType.IMAGE_PNG)))));
        assertEquals(plots.loss().getWidth() + plots.gradient().getWidth(), png.getWidth());
        assertEquals("XYChart 'Loss vs implicit reward margin' 720x420 | XYChart 'Gradient magnitude vs implicit reward margin' 720x420",
                data.getData(MIMEType.TEXT_PLAIN));
        assertTrue(ChartsView.of(plots.charts()).toText().startsWith("Loss vs implicit reward margin\n"), "JShell gets ASCII plots");
    }

    @Test
    void liveTrainingKeepsTheLatestMetricsAndDrawsOnePanelPerQuantity() {
        LiveTraining live = LiveTraining.show("MPO");
        live.onStep(new mpo4j.train.TrainListener.Progress(1, 4, 0.25,
                java.util.Map.of("loss", 0.9, "rewards/chosen", 0.1, "rewards/rejected", -0.1, "rewards/margins", 0.2,
                        "rewards/accuracies", 0.5, "learning_rate", 1e-4), 1000, 1));
        live.onStep(new mpo4j.train.TrainListener.Progress(2, 4, 0.5,
                java.util.Map.of("loss", 0.7, "rewards/chosen", 0.3, "rewards/rejected", -0.2, "rewards/margins", 0.5,
                        "rewards/accuracies", 0.75), 3000, 2));
        live.onEval(new mpo4j.train.TrainListener.Progress(2, 4, 0.5,
                java.util.Map.of("eval/loss", 0.8, "eval/rewards/margins", 0.4), 3000, 2));
        // the text leaves the timing out (executed notebooks must print the same twice); 4 significant digits
        assertEquals("MPO [###############---------------] 2/4 (50%)  loss=0.7  rewards/margins=0.5"
                + "  rewards/accuracies=0.75  eval/rewards/margins=0.4", live.view().toText());
        // 3 s for 2 steps → 1.5 s/it; 2 steps left → ETA 3 s
        assertTrue(live.view().toHtml().contains("elapsed 0:03 \u00b7 1.50 s/it \u00b7 ETA 0:03"), live.view().toHtml());
        List<org.knowm.xchart.XYChart> charts = live.charts();
        assertEquals(List.of("loss", "rewards", "margins", "accuracies"), charts.stream().map(c -> c.getTitle()).toList(),
                "margins in their own panel, not squashed next to the rewards");
        org.knowm.xchart.XYChart margins = charts.get(2);
        assertEquals(0.5, margins.getSeries("rewards/margins").getYData()[1]);
        var eval = margins.getSeries("eval/rewards/margins");
        assertEquals(2.0, eval.getXData()[0]);
        assertEquals(org.knowm.xchart.style.lines.SeriesLines.NONE, eval.getLineStyle(), "an evaluation is a marker, not a line");
    }

    @Test
    void liveTrainingDrawsTheLossOfAnSftRun() {
        LiveTraining live = LiveTraining.show("SFT");
        for (int s = 1; s <= 3; s++) {
            live.onStep(new mpo4j.train.TrainListener.Progress(s, 10, s / 10.0, java.util.Map.of("loss", 8.0 - s), 100L * s, s));
        }
        assertEquals(List.of("loss"), live.charts().stream().map(c -> c.getTitle()).toList());
    }

    @Test
    void chartGridStacksRowsOfCharts() {
        java.util.List<org.knowm.xchart.XYChart> five = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            org.knowm.xchart.XYChart c = new org.knowm.xchart.XYChartBuilder().width(100).height(60 + i).title("c" + i).build();
            c.addSeries("s", new double[] {0, 1}, new double[] {0, i});
            five.add(c);
        }
        BufferedImage grid = ChartsView.grid(five, 2).toImage();
        assertEquals(200, grid.getWidth());
        assertEquals(61 + 63 + 64, grid.getHeight(), "three rows, each as tall as its tallest chart");
        Renderer renderer = new Renderer();
        NotebookExtension.register(renderer);
        DisplayData data = renderer.render(ChartsView.grid(five, 2));
        assertTrue(data.hasDataForType(MIMEType.IMAGE_PNG));
        assertEquals("XYChart 'c0' 100x60 | XYChart 'c1' 100x61 | XYChart 'c2' 100x62 | XYChart 'c3' 100x63 | XYChart 'c4' 100x64",
                data.getData(MIMEType.TEXT_PLAIN), "a label, not an ASCII copy of every chart");
    }
}
