package mpo4j.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;

/** The debiased EMA of TensorBoard, and how Curves draws it. */
class SmoothingTest {

    @Test
    void emaByHand() {
        // w = 0.5, y = 1, 3, 2:
        // m0 = 0.5·1 = 0.5,          s0 = 0.5 / (1 − 0.5)   = 1
        // m1 = 0.25 + 1.5 = 1.75,    s1 = 1.75 / (1 − 0.25) = 7/3
        // m2 = 0.875 + 1 = 1.875,    s2 = 1.875 / (1 − 0.125) = 15/7
        assertArrayEquals(new double[] {1, 7.0 / 3, 15.0 / 7}, Smoothing.ema(new double[] {1, 3, 2}, 0.5), 1e-12);
        assertArrayEquals(new double[] {1, 3, 2}, Smoothing.ema(new double[] {1, 3, 2}, 0), 0);
    }

    @Test
    void nonFiniteValuesAreSkipped() {
        // NaN first: nothing to repeat yet; then 2 → 2; NaN repeats 2; then 4 (2nd finite point, w = 0.5):
        // m = 0.5·(0.5·2) + 0.5·4 = 2.5, s = 2.5 / 0.75 = 10/3
        double[] s = Smoothing.ema(new double[] {Double.NaN, 2, Double.NaN, 4}, 0.5);
        assertTrue(Double.isNaN(s[0]));
        assertEquals(2, s[1], 1e-12);
        assertEquals(2, s[2], 1e-12);
        assertEquals(10.0 / 3, s[3], 1e-12);
    }

    @Test
    void autoWeightGrowsWithTheRun() {
        assertEquals(0.6, Smoothing.autoWeight(8), 0);      // 1 − 20/8 < 0.6
        assertEquals(0.8, Smoothing.autoWeight(100), 1e-12); // 1 − 20/100
        assertEquals(0.95, Smoothing.autoWeight(1000), 0);   // capped
    }

    @Test
    void badWeightIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Smoothing.ema(new double[] {1}, 1));
        assertEquals("smoothing weight must be in [0, 1), got 1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Curves.of(List.of(), Map.of(), -0.1));
        assertEquals("smoothing must be in [0, 1), got -0.1", e.getMessage());
    }

    @Test
    void curvesDrawTheEmaOverFaintRawValuesAndEvalsAsMarkers() {
        List<Map<String, Double>> rows = new ArrayList<>();
        double[] acc = {0, 1, 0.5, 1};
        for (int s = 1; s <= 4; s++) {
            rows.add(Map.of("step", (double) s, "rewards/accuracies", acc[s - 1], "learning_rate", 1e-3 * s));
        }
        rows.add(Map.of("step", 4.0, "eval/rewards/accuracies", 0.75));
        Curves c = Curves.of(rows, Map.of(), 0.5);
        XYChart panel = c.get("accuracies");
        XYSeries raw = panel.getSeries("rewards/accuracies (raw)");
        XYSeries line = panel.getSeries("rewards/accuracies");
        assertArrayEquals(acc, raw.getYData(), 0);
        assertTrue(!raw.isShowInLegend() && raw.getLineColor().getAlpha() < 255, "raw values faint, not in the legend");
        assertArrayEquals(Smoothing.ema(acc, 0.5), line.getYData(), 0);
        XYSeries eval = panel.getSeries("eval/rewards/accuracies");
        assertEquals(SeriesLines.NONE, eval.getLineStyle());
        assertEquals(4.0, eval.getXData()[0], 0);
        // the learning rate is a schedule, not a noisy measurement
        assertEquals(null, c.get("learning_rate").getSeries("learning_rate (raw)"));
        assertTrue(c.toString().contains("rewards/accuracies 0.000 → 1.000"), "text shows the logged values: " + c);
    }
}
