package mpo4j.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import mpo4j.data.ChatMessage;
import mpo4j.data.PreferencePair;
import mpo4j.data.RewardPair;
import mpo4j.data.Source;
import mpo4j.plot.Histogram;
import mpo4j.reward.RewardEvaluation;
import mpo4j.vision.Tiling;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** Pair cards, the metrics table and reward histograms: sizes, labels and values. */
class PicturesTest {

    /** A 128 x 64 picture: left half red, right half blue. */
    static Path wideImage(Path dir) throws Exception {
        BufferedImage im = new BufferedImage(128, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = im.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 64, 64);
        g.setColor(Color.BLUE);
        g.fillRect(64, 0, 64, 64);
        g.dispose();
        Path file = dir.resolve("wide.png");
        ImageIO.write(im, "png", file.toFile());
        return file;
    }

    @Test
    void pairCardShowsFramedNumberedTilesAndColouredAnswers(@TempDir Path dir) throws Exception {
        PreferencePair pair = PreferencePair.of("<image>\nWhat color is the shape on the left?", "red", "blue",
                List.of(wideImage(dir)), new Source("color.jsonl", 7));
        PairCard card = PairCard.of(pair, Tiling.defaults().withTileSize(64).withMaxTiles(6));
        BufferedImage im = card.toImage();
        // 2:1 picture with 64 px tiles → grid 2x1 + thumbnail. Image scaled to the 96 px tile block: 192 x 96.
        // width = 6 + 192 + 18 + 2·(96 + 6) + 2·6 + 96 = 528; height = 16 label + 96 + 6
        assertEquals(528, im.getWidth());
        assertEquals(16 + 96 + 6, im.getHeight());
        int x0 = 6 + 192 + 18;
        assertEquals(0x333333, im.getRGB(x0, 16 + 50) & 0xffffff, "tile 1 has a visible frame");
        assertEquals(0x333333, im.getRGB(x0 + 102, 16 + 50) & 0xffffff, "tile 2 too");
        assertEquals(Color.RED.getRGB() & 0xffffff, im.getRGB(x0 + 48, 16 + 60) & 0xffffff, "tile 1 is the left (red) half");
        assertEquals(Color.BLUE.getRGB() & 0xffffff, im.getRGB(x0 + 102 + 48, 16 + 60) & 0xffffff, "tile 2 the right half");
        assertTrue(ViewsTest.hasInk(im, x0 + 2, 16 + 2, 12, 12), "tile number box in the corner");
        String html = card.toHtml();
        assertTrue(html.contains("color.jsonl:7"), html);
        assertTrue(html.contains("What color is the shape on the left?"));
        assertTrue(html.contains("border-left:4px solid #2ca02c") && html.contains(">chosen</b> red"), "chosen in green");
        assertTrue(html.contains("border-left:4px solid #d62728") && html.contains(">rejected</b> blue"), "rejected in red");
        assertEquals(pair.toString(), card.toText());
        Renderer renderer = new Renderer();
        NotebookExtension.register(renderer);
        DisplayData data = renderer.render(pair);
        assertTrue(((String) data.getData(MIMEType.TEXT_HTML)).startsWith("<div class=\"mpo4j-pair\""));
        assertEquals(pair.toString(), data.getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void rewardPairCardColoursByLabel() {
        RewardPair pair = new RewardPair(List.of(ChatMessage.user("2 + 2?")), "5", "4", List.of(),
                Map.of("preference", "B"), new Source("rm.jsonl", 2));
        String html = PairCard.of(pair).toHtml();
        assertTrue(html.contains(">response0 (preference=B)</b> 5"), html);
        assertTrue(html.indexOf("#d62728") < html.indexOf("#2ca02c"), "response0 (worse) red before response1 (better) green");
        assertNull(PairCard.of(pair).toImage(), "text only: no picture");
    }

    @Test
    void metricsTablePutsEvalsOnTheirStepNextToTheirTrainColumn() {
        List<Map<String, Double>> rows = List.of(
                Map.of("step", 1.0, "loss", 0.7, "rewards/margins", 0.0),
                Map.of("step", 2.0, "loss", 0.6, "rewards/margins", 0.1),
                Map.of("step", 2.0, "eval/loss", 0.65, "eval/rewards/margins", 0.05));
        Table t = MetricsTable.of(rows);
        assertEquals(2, t.rowCount(), "the evaluation joins step 2's row");
        List<String> names = t.columnNames();
        assertEquals(names.indexOf("loss") + 1, names.indexOf("eval/loss"));
        assertEquals(names.indexOf("rewards/margins") + 1, names.indexOf("eval/rewards/margins"));
        assertEquals(0.65, t.doubleColumn("eval/loss").get(1), 0);
        assertTrue(t.doubleColumn("eval/loss").isMissing(0), "no evaluation at step 1");
        assertTrue(t.name().startsWith("metrics: 2 steps, 1 evaluations"), t.name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsTable.of(List.of(Map.of("loss", 1.0))));
        assertTrue(e.getMessage().startsWith("metrics row without a 'step'"), e.getMessage());
    }

    @Test
    void histogramCountsPerBin() {
        Histogram h = Histogram.of(0, 1, 2);
        // [0, 0.5): 0, 0.49 → 2; [0.5, 1]: 0.5, 1.0 → 2; 1.2 and NaN are outside / not counted
        assertArrayEquals(new int[] {2, 2}, h.counts(new double[] {0, 0.49, 0.5, 1.0, 1.2, Double.NaN}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Histogram(new double[] {0, 0}));
        assertEquals("bin edges must increase, got 0.0 then 0.0", e.getMessage());
    }

    @Test
    void rewardEvaluationSplitsScoresOfRightAndWrongAnswers() {
        List<RewardEvaluation.Sample> samples = new ArrayList<>();
        // A: response0 better; B: response1 better; C: tie (left out)
        samples.add(new RewardEvaluation.Sample(new Source("e", 1), Map.of("p", "A"), Map.of("p", 0.9), Map.of("p", 0.2)));
        samples.add(new RewardEvaluation.Sample(new Source("e", 2), Map.of("p", "B"), Map.of("p", 0.6), Map.of("p", 0.4)));
        samples.add(new RewardEvaluation.Sample(new Source("e", 3), Map.of("p", "C"), Map.of("p", 0.5), Map.of("p", 0.5)));
        RewardEvaluation e = new RewardEvaluation(20, Map.of("p", new RewardEvaluation.Head(0.5, 2, 1, 0.65, 0.4)), samples);
        RewardEvaluationView view = RewardEvaluationView.of(e);
        double[][] scores = view.decidedScores("p");
        assertArrayEquals(new double[] {0.9, 0.4}, scores[0], 0, "right answers: response0 of A, response1 of B");
        assertArrayEquals(new double[] {0.2, 0.6}, scores[1], 0);
        var charts = view.charts("p");
        assertEquals(List.of("p: scores at step 20", "p: score margin at step 20"), charts.stream().map(c -> c.getTitle()).toList());
        assertTrue(charts.get(0).getSeries("right answer (2)") != null && charts.get(0).getSeries("wrong answer (2)") != null);
        String html = view.toHtml();
        assertTrue(html.contains("<td>0.5</td><td>2</td><td>1</td><td>0.65</td><td>0.4</td>"), html.substring(0, 600));
        assertTrue(html.contains("<img src=\"data:image/png;base64,"));
    }
}
