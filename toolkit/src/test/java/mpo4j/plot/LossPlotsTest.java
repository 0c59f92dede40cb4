package mpo4j.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import mpo4j.Mpo;
import mpo4j.loss.PreferenceLoss;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYSeries;

/** Loss-vs-margin charts: one finite series per loss, values at known points. */
class LossPlotsTest {
    static final double LN2 = Math.log(2);

    @Test
    void sigmoidCurveAtKnownMargins() {
        double[] x = {-2, 0, 2};
        double[] y = LossPlots.lossCurve(PreferenceLoss.dpo(), x);
        assertEquals(Math.log1p(Math.exp(2)), y[0], 1e-9);
        assertEquals(LN2, y[1], 1e-12);
        assertEquals(Math.log1p(Math.exp(-2)), y[2], 1e-9);
        // |d/dx −log σ(x)| = σ(−x): 1/2 at 0
        double[] g = LossPlots.gradientCurve(PreferenceLoss.dpo(), x);
        assertEquals(0.5, g[1], 1e-6);
        assertEquals(1 / (1 + Math.exp(2)), g[2], 1e-6);
        // x is the reward margin, so β does not move the sigmoid curve
        assertEquals(LN2, LossPlots.lossCurve(PreferenceLoss.dpo().beta(0.5), new double[] {0})[0], 1e-12);
    }

    @Test
    void ipoAndMpoFollowTheDocumentedParametrisation() {
        // ipo β = 0.5: Δ = x/β, loss (Δ − 1/(2β))² = (Δ − 1)²; x = 0.5 → Δ = 1 → 0; x = 1 → Δ = 2 → 1; x = 0 → 1
        assertEquals(0.0, LossPlots.lossCurve(PreferenceLoss.loss("ipo").beta(0.5), new double[] {0.5})[0], 1e-12);
        assertEquals(1.0, LossPlots.lossCurve(PreferenceLoss.loss("ipo").beta(0.5), new double[] {1})[0], 1e-12);
        assertEquals(1.0, LossPlots.lossCurve(PreferenceLoss.loss("ipo").beta(0.5), new double[] {0})[0], 1e-12);
        // mpo at x = 0: every ℓ = 0 → 0.8·ln2 + 0.2·2·ln2 (its initial loss with NLL 0)
        assertEquals(PreferenceLoss.mpo().initialLoss(0), LossPlots.lossCurve(PreferenceLoss.mpo(), new double[] {0})[0], 1e-12);
        // sft is drawn at NLL 0 everywhere: mpo at x = 2 (Δ = 20, ℓc = 10, ℓr = −10, δ = 0) is
        // 0.8·softplus(−2) + 0.2·(softplus(−1) + softplus(−1))
        double expected = 0.8 * Math.log1p(Math.exp(-2)) + 0.4 * Math.log1p(Math.exp(-1));
        assertEquals(expected, LossPlots.lossCurve(PreferenceLoss.mpo(), new double[] {2})[0], 1e-12);
        assertEquals(0.0, LossPlots.lossCurve(PreferenceLoss.loss("sft"), new double[] {-3, 3})[1], 0.0);
    }

    @Test
    void oneFiniteSeriesPerLossOnBothCharts() throws Exception {
        LossPlots plots = Mpo.plotLoss(PreferenceLoss.mpo(), PreferenceLoss.loss("ipo").beta(0.5), PreferenceLoss.dpo(), PreferenceLoss.dpo(),
                PreferenceLoss.loss("aot"), PreferenceLoss.loss("discopop").useWeighting());
        List<String> names = plots.loss().getSeriesCollection().stream().map(XYSeries::getName).collect(Collectors.toList());
        assertEquals(List.of("0.8·sigmoid + 0.2·bco_pair + 1.0·sft (β=0.1, sft at NLL 0)", "ipo (β=0.5)", "sigmoid (β=0.1)",
                "sigmoid (β=0.1) #2", "aot (β=0.1)", "discopop (β=0.1)"), names);
        for (var chart : plots.charts()) {
            assertEquals(6, chart.getSeriesCollection().size());
            for (XYSeries s : chart.getSeriesCollection()) {
                assertEquals(121, s.getXData().length);
                assertEquals(-6.0, s.getXData()[0], 1e-12);
                assertEquals(6.0, s.getXData()[120], 1e-12);
                for (double v : s.getYData()) {
                    assertTrue(Double.isFinite(v), s.getName() + " " + v);
                }
            }
        }
        assertTrue(plots.loss().getXAxisTitle().contains("β·Δ"));
        byte[] png = BitmapEncoder.getBitmapBytes(plots.loss(), BitmapEncoder.BitmapFormat.PNG);
        assertTrue(png.length > 1000);
        assertTrue(plots.toString().startsWith("LossPlots[0.8·sigmoid"));
    }

    @Test
    void needsAtLeastOneLoss() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossPlots.of());
        assertEquals("plotLoss needs at least one loss, e.g. plotLoss(mpo())", e.getMessage());
    }
}
