package mpo4j.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class EvalHistogramTest {

    @Test
    void atMostFourEvaluationsFirstAndLastIncluded() {
        List<Integer> steps = List.of(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20);
        // positions round(i·10/3) for i = 0..3: 0, 3.33→3, 6.67→7, 10 → steps 0, 6, 14, 20
        assertEquals(List.of(0, 6, 14, 20), Curves.spread(steps, 4));
        assertEquals(List.of(2, 4), Curves.spread(List.of(2, 4), 4));
    }

    @Test
    void oneStepAreaPerShownEvaluationCountingItsPairs() {
        TreeMap<Integer, float[]> byStep = new TreeMap<>();
        byStep.put(2, new float[] {-1f, 0f, 1f});
        byStep.put(4, new float[] {0.5f, 1f, 3f});
        Curves base = Curves.of(List.of(Map.of("step", 1.0, "loss", 0.7)), Map.of());
        Curves with = base.withEvalHistogram("margin distribution", "margin", byStep);
        XYChart chart = with.get("margin distribution");
        assertEquals(List.of("step 2 (3)", "step 4 (3)"), chart.getSeriesCollection().stream().map(XYSeries::getName).toList());
        // 20 equal bins over [-1, 3] (width 0.2): step 2's values fall in bins 0, 5 and 10
        XYSeries early = chart.getSeriesCollection().stream().filter(x -> x.getName().equals("step 2 (3)")).findFirst().orElseThrow();
        double[] y = early.getYData();
        double total = 0;
        for (int i = 0; i < 20; i++) {
            total += y[i];
        }
        assertEquals(3, total);
        assertEquals(1, y[0]);
        assertEquals(1, y[5]);
        assertEquals(1, y[10]);
        assertEquals(-1.0, early.getXData()[0]);
        assertEquals(3.0, early.getXData()[20], 1e-12);
        assertSame(base, base.withEvalHistogram("x", "y", new TreeMap<>()), "no values: the same panels");
    }
}
