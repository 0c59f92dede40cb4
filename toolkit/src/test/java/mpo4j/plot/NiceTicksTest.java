package mpo4j.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Tick steps of 1, 2 or 5 × 10^k at multiples of the step; labels as people write numbers. */
class NiceTicksTest {

    @Test
    void aNegativeRangeGetsHalfSteps() {
        // span 1.8 / 6 = 0.3 → candidates 0.1 (18 intervals), 0.2 (9), 0.5: −6/0.5 = −12 .. ceil(−4.2/0.5) = −8 → 4 intervals
        assertEquals(0.5, NiceTicks.step(-6, -4.2, 6), 0);
        assertEquals(List.of(-6.0, -5.5, -5.0, -4.5, -4.0), NiceTicks.ticks(-6, -4.2, 6));
    }

    @Test
    void aRangeThatSpansZeroHasATickAtZero() {
        // span 1 / 6 → 0.1 gives 10 intervals, 0.2 gives ceil(3.5) − floor(−1.5) = 4 + 2 = 6
        List<Double> ticks = NiceTicks.ticks(-0.3, 0.7, 6);
        assertEquals(List.of(-0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.8), ticks);
        assertTrue(NiceTicks.ticks(-0.013, 2.71, 5).contains(0.0));
        // steps 1..80 of a run: 80 / 8 = 10 → ticks 0, 10, …, 80
        assertEquals(10.0, NiceTicks.step(1, 80, 8), 0);
        assertEquals(0.0, NiceTicks.ticks(1, 80, 8).get(0), 0);
    }

    @Test
    void aSingleValueGetsAnIntervalAroundIt() {
        List<Double> ticks = NiceTicks.ticks(0.5, 0.5, 5);
        assertTrue(ticks.get(0) < 0.5 && ticks.get(ticks.size() - 1) > 0.5, ticks.toString());
    }

    @Test
    void labelsHaveLeadingZerosAndAtMostFourSignificantDigits() {
        assertEquals("0.02", NiceTicks.label(0.02));
        assertEquals("-0.5", NiceTicks.label(-0.5));
        assertEquals("0", NiceTicks.label(-0.0));
        assertEquals("0.3", NiceTicks.label(0.1 + 0.2));
        assertEquals("3.192", NiceTicks.label(3.1918323040008545));
        assertEquals("12350", NiceTicks.label(12345.678));
        assertEquals("0.0005", NiceTicks.label(5e-4));
        assertEquals("1.5e-5", NiceTicks.label(1.5e-5));
        assertEquals("2.5e6", NiceTicks.label(2.5e6));
    }

    @Test
    void badRangesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NiceTicks.ticks(2, 1, 5));
        assertEquals("tick range must be finite with min <= max, got [2.0, 1.0]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NiceTicks.step(0, 1, 0));
        assertEquals("target tick count must be >= 1, got 0", e.getMessage());
    }

    @Test
    void chartsAreHeldToTheNiceTicks() {
        // equally spaced steps 1..8 made XChart tick at data values; the range point breaks that grid
        XYChart chart = new XYChartBuilder().width(560).height(340).build();
        chart.addSeries("loss", new double[] {1, 2, 3, 4, 5, 6, 7, 8}, new double[] {-4.2, -4.5, -5, -5.2, -5.5, -5.7, -5.9, -6});
        ChartStyle.niceAxes(chart);
        // y: 340 / 60 = 5 ticks → step 0.5 → [−6, −4]; x: 560 / 90 = 6 → span 7: step 2 → [0, 8]
        assertEquals(-6.0, chart.getStyler().getYAxisMin(), 0);
        assertEquals(-4.0, chart.getStyler().getYAxisMax(), 0);
        assertEquals(0.0, chart.getStyler().getXAxisMin(), 0);
        assertEquals(8.0, chart.getStyler().getXAxisMax(), 0);
        var yLabel = chart.getStyler().getyAxisTickLabelsFormattingFunction();
        assertEquals("-5.5", yLabel.apply(-5.5));
        assertEquals("0.05", yLabel.apply(0.05), "a leading zero");
        var xLabel = chart.getStyler().getxAxisTickLabelsFormattingFunction();
        assertEquals("4", xLabel.apply(4.0));
        assertEquals("", xLabel.apply(2.5), "steps are whole: no label at 2.5, so XChart takes a coarser step");
        assertEquals(org.knowm.xchart.style.Styler.LegendPosition.OutsideS, chart.getStyler().getLegendPosition());
        // drawing twice adds no second range point, and the point stays out of the legend
        ChartStyle.niceAxes(chart);
        assertEquals(2, chart.getSeriesCollection().size());
        assertTrue(!chart.getSeries(ChartStyle.RANGE_SERIES).isShowInLegend());
    }

    @Test
    void axesTheCallerFixedAreLeftAlone() {
        XYChart chart = new XYChartBuilder().width(400).height(300).build();
        chart.addSeries("s", new double[] {0, 1}, new double[] {0, 1});
        chart.getStyler().setYAxisMax(10.0);
        ChartStyle.niceAxes(chart);
        assertEquals(10.0, chart.getStyler().getYAxisMax(), 0);
        assertEquals(null, chart.getSeries(ChartStyle.RANGE_SERIES));
    }
}
