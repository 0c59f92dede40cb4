package mpo4j.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** The panels of an online run (GRPO, RLOO, Online DPO), from rows logged under TRL's metric names. */
class OnlineCurvesTest {

    /**
     * Three GRPO steps with two reward functions of weight 1, so {@code reward} is the sum of their
     * means (0.25 + 0.5 = 0.75, 0.5 + 0.5 = 1.0, 0.75 + 1.0 = 1.75).
     */
    private static List<Map<String, Double>> grpoRows(boolean withKl) {
        double[] exact = {0.25, 0.5, 0.75};
        double[] format = {0.5, 0.5, 1.0};
        List<Map<String, Double>> rows = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            Map<String, Double> r = new LinkedHashMap<>();
            r.put("step", s + 1.0);
            r.put("loss", 0.01 * s);
            r.put("reward", exact[s] + format[s]);
            r.put("reward_std", 0.4 - 0.1 * s);
            r.put("rewards/exact/mean", exact[s]);
            r.put("rewards/exact/std", 0.5);
            r.put("rewards/format/mean", format[s]);
            r.put("rewards/format/std", 0.3);
            r.put("frac_reward_zero_std", 0.5);
            r.put("completions/mean_length", 3.0 + s);
            r.put("completions/min_length", 1.0);
            r.put("completions/max_length", 4.0 + s);
            r.put("completions/clipped_ratio", 0.25);
            r.put("entropy", 2.0 - 0.1 * s);
            if (withKl) {
                r.put("kl", 0.001 * s);
            }
            r.put("clip_ratio/low_mean", 0.0);
            r.put("clip_ratio/high_mean", 0.0);
            r.put("clip_ratio/region_mean", 0.0);
            r.put("learning_rate", 1e-3);
            r.put("grad_norm", 1.5);
            rows.add(r);
        }
        return rows;
    }

    private static List<String> seriesNames(XYChart chart) {
        return chart.getSeriesCollection().stream().map(XYSeries::getName).toList();
    }

    private static List<String> legend(XYChart chart) {
        return chart.getSeriesCollection().stream().filter(XYSeries::isShowInLegend).map(XYSeries::getLabel).toList();
    }

    @Test
    void aGrpoRunGetsTheRewardPanelsFirstUnderTrlNames() {
        Curves curves = Curves.of(grpoRows(true), Map.of(), 0);
        assertEquals(List.of("reward", "reward_std", "frac_reward_zero_std", "kl", "entropy", "clip_ratio", "completions/mean_length",
                "completions/clipped_ratio", "loss", "learning_rate", "grad_norm"), curves.names());
        XYChart reward = curves.get("reward");
        // two reward functions: each one's mean is drawn beside the weighted reward, named after the function
        assertEquals(List.of("reward", "rewards/exact/mean", "rewards/format/mean"), seriesNames(reward));
        assertEquals(List.of("reward", "exact", "format"), legend(reward));
        assertArrayEquals(new double[] {0.75, 1.0, 1.75}, reward.getSeries("reward").getYData(), 1e-12);
        assertArrayEquals(new double[] {0.5, 0.5, 1.0}, reward.getSeries("rewards/format/mean").getYData(), 1e-12);
        assertArrayEquals(new double[] {1, 2, 3}, reward.getSeries("reward").getXData(), 1e-12);
        assertEquals(List.of("completions/mean_length", "completions/min_length", "completions/max_length"),
                seriesNames(curves.get("completions/mean_length")));
        assertEquals(List.of("mean_length", "min_length", "max_length"), legend(curves.get("completions/mean_length")));
        assertArrayEquals(new double[] {4, 5, 6}, curves.get("completions/mean_length").getSeries("completions/max_length").getYData(), 1e-12);
        assertEquals(List.of("low_mean", "high_mean", "region_mean"), legend(curves.get("clip_ratio")));
        assertArrayEquals(new double[] {0, 0.001, 0.002}, curves.get("kl").getSeries("kl").getYData(), 1e-12);
    }

    @Test
    void oneRewardFunctionIsTheRewardAndBetaZeroHasNoKlPanel() {
        List<Map<String, Double>> rows = new ArrayList<>();
        for (Map<String, Double> r : grpoRows(false)) {
            Map<String, Double> one = new LinkedHashMap<>(r);
            one.remove("rewards/format/mean");
            one.remove("rewards/format/std");
            rows.add(one);
        }
        Curves curves = Curves.of(rows, Map.of(), 0);
        assertFalse(curves.names().contains("kl"), curves.names().toString());
        assertEquals(List.of("reward"), seriesNames(curves.get("reward")), "rewards/exact/mean would repeat the reward");
        assertEquals(List.of("train"), legend(curves.get("reward")));
    }

    @Test
    void aPreferenceRunGetsNoOnlinePanels() {
        List<Map<String, Double>> rows = List.of(
                Map.of("step", 1.0, "loss", 0.69, "rewards/chosen", 0.1, "rewards/rejected", -0.1, "rewards/margins", 0.2,
                        "rewards/accuracies", 0.5),
                Map.of("step", 2.0, "loss", 0.6, "rewards/chosen", 0.2, "rewards/rejected", -0.2, "rewards/margins", 0.4,
                        "rewards/accuracies", 1.0));
        assertEquals(List.of("rewards", "margins", "accuracies", "loss"), Curves.of(rows, Map.of(), 0).names());
    }

    @Test
    void onlineDpoShowsTheJudgedRewardAndItsPreferencePanels() {
        List<Map<String, Double>> rows = List.of(
                Map.of("step", 1.0, "loss", 0.69, "reward", 0.5, "rewards/exact/mean", 0.5, "rewards/chosen", 0.0,
                        "rewards/rejected", 0.0, "rewards/margins", 0.0, "completions/mean_length", 3.0),
                Map.of("step", 2.0, "loss", 0.6, "reward", 0.75, "rewards/exact/mean", 0.75, "rewards/chosen", 0.1,
                        "rewards/rejected", -0.1, "rewards/margins", 0.2, "completions/mean_length", 2.5));
        Curves curves = Curves.of(rows, Map.of(), 0);
        assertEquals(List.of("reward", "completions/mean_length", "rewards", "margins", "loss"), curves.names());
        // rewards/chosen is a preference reward, not a reward function's mean: it stays out of the reward panel
        assertEquals(List.of("reward"), seriesNames(curves.get("reward")));
    }
}
