package mpo4j.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.train.TrainListener;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The live view of an online run: reward panels chosen by what the steps log, and the latest completions. */
class LiveTrainingOnlineTest {

    /**
     * One generation round as an online trainer hands it over: one prompt, {@code n} completions,
     * the exact-answer reward 1 for "red" and 0 otherwise, and GRPO's group advantage
     * {@code (r - mean) / (std + 1e-4)} worked out in the caller.
     */
    private static Table round(int step, List<String> completions, double[] rewards, double[] advantages) {
        int n = completions.size();
        int[] steps = new int[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            steps[i] = step;
            lengths[i] = completions.get(i).length();
        }
        return Table.create("completions", IntColumn.create("step", steps),
                StringColumn.create("prompt", java.util.Collections.nCopies(n, "<image>\nWhat colour is the square?")),
                StringColumn.create("completion", completions), IntColumn.create("length", lengths),
                DoubleColumn.create("exact", rewards), DoubleColumn.create("reward", rewards), DoubleColumn.create("advantage", advantages));
    }

    private static TrainListener.Progress step(int step, Map<String, Double> metrics) {
        return new TrainListener.Progress(step, 4, step / 4.0, metrics, 1000L * step, step);
    }

    private static Map<String, Double> grpoMetrics(double reward, boolean withKl) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", 0.0);
        m.put("reward", reward);
        m.put("reward_std", 0.5);
        m.put("rewards/exact/mean", reward);
        m.put("frac_reward_zero_std", 0.0);
        m.put("completions/mean_length", 3.0);
        m.put("entropy", 2.5);
        if (withKl) {
            m.put("kl", 0.002);
        }
        m.put("clip_ratio/region_mean", 0.0);
        return m;
    }

    private static List<String> titles(List<XYChart> charts) {
        return charts.stream().map(XYChart::getTitle).toList();
    }

    @Test
    void aGrpoStepShowsTheRewardPanelsAndTheCompletionsOfThatStep() {
        LiveTraining live = LiveTraining.show("GRPO");
        // rewards 1, 0, 1, 0: mean 0.5, std (n - 1) = sqrt(4 * 0.25 / 3) = 0.57735; advantages ±0.5 / 0.57745 = ±0.86588
        double a = 0.5 / (Math.sqrt(1.0 / 3) + 1e-4);
        live.onCompletions(1, round(1, List.of("red", "blue", "red", "green"), new double[] {1, 0, 1, 0}, new double[] {a, -a, a, -a}));
        live.onStep(step(1, grpoMetrics(0.5, true)));

        assertEquals(List.of("reward", "kl", "completions/mean_length", "entropy"), titles(live.charts()));
        assertArrayEquals(new double[] {0.5}, live.charts().get(0).getSeries("reward").getYData());

        Table shown = live.completions().orElseThrow();
        assertEquals("completions sampled at step 1", shown.name());
        assertEquals(List.of("prompt", "completion", "exact", "reward", "advantage"), shown.columnNames());
        assertEquals(List.of("red", "blue", "red", "green"), shown.stringColumn("completion").asList());
        assertEquals("<image>\\nWhat colour is the square?", shown.stringColumn("prompt").get(0), "one line per completion, in text too");
        assertArrayEquals(new double[] {1, 0, 1, 0}, shown.doubleColumn("reward").asDoubleArray());
        assertEquals(0.86588, shown.doubleColumn("advantage").getDouble(0), 1e-5);
        assertEquals(-0.86588, shown.doubleColumn("advantage").getDouble(1), 1e-5);

        String text = live.view().toText();
        assertTrue(text.startsWith("GRPO [########----------------------] 1/4 (25%)  reward=0.5  reward_std=0.5  kl=0.002"
                + "  completions/mean_length=3\n"), text);
        assertTrue(text.contains("green"), text);
        String html = live.view().toHtml();
        assertTrue(html.contains("<b>completions sampled at step 1</b> &middot; 4 rows &times; 5 columns"), html);
        assertTrue(html.contains("&lt;image&gt;\\nWhat colour is the square?"), html);
    }

    @Test
    void roundsOfOneStepAddUpAndTheNextStepReplacesThem() {
        LiveTraining live = LiveTraining.show("GRPO");
        live.onCompletions(1, round(1, List.of("red", "blue"), new double[] {1, 0}, new double[] {0.7, -0.7}));
        live.onCompletions(1, round(1, List.of("green", "green"), new double[] {0, 0}, new double[] {0, 0}));
        assertEquals(List.of("red", "blue", "green", "green"), live.completions().orElseThrow().stringColumn("completion").asList(),
                "gradient accumulation: two rounds trained in step 1");
        live.onStep(step(1, grpoMetrics(0.25, false)));
        live.onCompletions(2, round(2, List.of("red", "red"), new double[] {1, 1}, new double[] {0, 0}));
        live.onStep(step(2, grpoMetrics(1.0, false)));
        Table shown = live.completions().orElseThrow();
        assertEquals("completions sampled at step 2", shown.name());
        assertEquals(List.of("red", "red"), shown.stringColumn("completion").asList());
        // beta 0: no KL logged, so no KL panel but the share of groups without reward spread; the reward panel has both steps
        assertEquals(List.of("reward", "completions/mean_length", "entropy", "frac_reward_zero_std"), titles(live.charts()));
        assertArrayEquals(new double[] {0.25, 1.0}, live.charts().get(0).getSeries("reward").getYData());
    }

    @Test
    void theViewShowsTheFirstEightCompletionsOfALargeStep() {
        LiveTraining live = LiveTraining.show("GRPO");
        List<String> twelve = java.util.stream.IntStream.range(0, 12).mapToObj(i -> "answer " + i).toList();
        live.onCompletions(3, round(3, twelve, new double[12], new double[12]));
        live.onStep(step(3, grpoMetrics(0.0, false)));
        String html = live.view().toHtml();
        assertTrue(html.contains("12 rows &times; 5 columns (first 8 shown)"), html);
        assertTrue(html.contains("answer 7") && !html.contains("answer 8"), html);
        String text = live.view().toText();
        assertTrue(text.contains("answer 7") && !text.contains("answer 8") && !text.contains("answer 11"), text);
    }

    @Test
    void onlineDpoShowsItsMarginsAndAPreferenceRunNoCompletions() {
        LiveTraining dpo = LiveTraining.show("Online DPO");
        dpo.onStep(step(1, Map.of("loss", 0.69, "reward", 0.5, "rewards/exact/mean", 0.5, "rewards/chosen", 0.0, "rewards/rejected", 0.0,
                "rewards/margins", 0.0, "rewards/accuracies", 0.0, "completions/mean_length", 2.0)));
        assertEquals(List.of("reward", "completions/mean_length", "margins", "accuracies"), titles(dpo.charts()));

        LiveTraining offline = LiveTraining.show("MPO");
        offline.onStep(step(1, Map.of("loss", 0.69, "rewards/chosen", 0.0, "rewards/rejected", 0.0, "rewards/margins", 0.0,
                "rewards/accuracies", 0.0)));
        assertEquals(List.of("loss", "rewards", "margins", "accuracies"), titles(offline.charts()));
        assertFalse(offline.completions().isPresent());
        assertFalse(offline.view().toHtml().contains("<table>"));
    }
}
