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
    void tokenMapColoursEachPositionByWhatItIs() {
        BufferedImage map = BatchView.of(onePair()).toImage();
        assertEquals(5 * 4, map.getWidth(), "5 positions, 4 px each");
        assertEquals(2 * 9 + 6, map.getHeight(), "two rows of 8 px + 1 px gap, 6 px between chosen and rejected");
        int chosenY = 4;
        int rejectedY = 9 + 6 + 4;
        int[] expectedChosen = {BatchView.PROMPT.getRGB(), BatchView.IMAGE.getRGB(), BatchView.IMAGE.getRGB(),
                BatchView.TRAINED.getRGB(), BatchView.TRAINED.getRGB()};
        for (int t = 0; t < 5; t++) {
            assertEquals(expectedChosen[t] & 0xffffff, map.getRGB(t * 4 + 2, chosenY) & 0xffffff, "chosen position " + t);
        }
        assertEquals(BatchView.TRAINED.getRGB() & 0xffffff, map.getRGB(3 * 4 + 2, rejectedY) & 0xffffff);
        assertEquals(BatchView.PADDING.getRGB() & 0xffffff, map.getRGB(4 * 4 + 2, rejectedY) & 0xffffff, "past the true length");
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
    void liveTrainingKeepsTheLatestMetricsAndDrawsRewardCurves() {
        LiveTraining live = LiveTraining.show("MPO");
        live.onStep(new mpo4j.train.TrainListener.Progress(1, 4, 0.25,
                java.util.Map.of("loss", 0.9, "rewards/chosen", 0.1, "rewards/rejected", -0.1, "rewards/margins", 0.2,
                        "rewards/accuracies", 0.5, "learning_rate", 1e-4), 0, 1));
        live.onStep(new mpo4j.train.TrainListener.Progress(2, 4, 0.5,
                java.util.Map.of("loss", 0.7, "rewards/chosen", 0.3, "rewards/rejected", -0.2, "rewards/margins", 0.5,
                        "rewards/accuracies", 0.75), 0, 2));
        live.onEval(new mpo4j.train.TrainListener.Progress(2, 4, 0.5,
                java.util.Map.of("eval/loss", 0.8, "eval/rewards/margins", 0.4), 0, 2));
        assertEquals("MPO [###############---------------] 2/4 (50%)  loss=0.7000  rewards/margins=0.5000"
                + "  rewards/accuracies=0.7500  eval/rewards/margins=0.4000", live.view().toText());
        org.knowm.xchart.XYChart chart = live.chart();
        assertEquals(java.util.List.of("rewards/chosen", "rewards/rejected", "rewards/margins", "eval/rewards/margins"),
                chart.getSeriesCollection().stream().map(org.knowm.xchart.XYSeries::getName).toList());
        assertEquals(0.5, chart.getSeries("rewards/margins").getYData()[1]);
        assertEquals(2.0, chart.getSeries("eval/rewards/margins").getXData()[0]);
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
