package mpo4j.notebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.plot.Histogram;
import mpo4j.reward.RewardEvaluation;
import org.knowm.xchart.XYChart;

/**
 * A reward model's evaluation as a notebook shows it: per head its accuracy, pair counts and mean
 * scores, and two histograms over the A/B pairs: the scores of the right (better) and wrong (worse)
 * answers, overlaid, and the margin {@code s_better − s_worse} (a pair is ranked right when it is > 0).
 */
public final class RewardEvaluationView implements Renderable {
    private static final int BINS = 20;

    private final RewardEvaluation evaluation;

    private RewardEvaluationView(RewardEvaluation evaluation) {
        this.evaluation = evaluation;
    }

    public static RewardEvaluationView of(RewardEvaluation evaluation) {
        return new RewardEvaluationView(evaluation);
    }

    /** Scores of the better and the worse answer of every A/B pair of {@code head}: {@code [better[], worse[]]}. */
    double[][] decidedScores(String head) {
        List<double[]> pairs = new ArrayList<>();
        for (RewardEvaluation.Sample s : evaluation.samples()) {
            String label = s.labels().get(head);
            Double s0 = s.scores0().get(head);
            Double s1 = s.scores1().get(head);
            if (s0 == null || s1 == null || !("A".equals(label) || "B".equals(label))) {
                continue;
            }
            pairs.add("A".equals(label) ? new double[] {s0, s1} : new double[] {s1, s0});
        }
        return new double[][] {pairs.stream().mapToDouble(p -> p[0]).toArray(), pairs.stream().mapToDouble(p -> p[1]).toArray()};
    }

    /** The two histograms of one head. */
    public List<XYChart> charts(String head) {
        double[][] scores = decidedScores(head);
        double[] margins = new double[scores[0].length];
        for (int i = 0; i < margins.length; i++) {
            margins[i] = scores[0][i] - scores[1][i];
        }
        Map<String, double[]> byAnswer = new LinkedHashMap<>();
        byAnswer.put("right answer", scores[0]);
        byAnswer.put("wrong answer", scores[1]);
        String at = evaluation.step() >= 0 ? " at step " + evaluation.step() : "";
        XYChart distribution = Histogram.spanning(byAnswer, BINS).chart(head + ": scores" + at, "score", byAnswer,
                PairCard.CHOSEN, PairCard.REJECTED);
        XYChart margin = Histogram.spanning(Map.of("margin", margins), BINS).chart(head + ": score margin" + at,
                "s_right − s_wrong  (> 0: ranked right)", Map.of("A/B pairs", margins));
        return List.of(distribution, margin);
    }

    @Override
    public String toText() {
        return evaluation.toString();
    }

    @Override
    public String toHtml() {
        StringBuilder h = new StringBuilder("<div class=\"mpo4j-reward-eval\"><b>RewardEvaluation</b>");
        if (evaluation.step() >= 0) {
            h.append(" &middot; step ").append(evaluation.step());
        }
        h.append(" &middot; ").append(evaluation.samples().size()).append(" pairs")
                .append("<table><thead><tr><th>head</th><th>accuracy</th><th>A/B pairs</th><th>ties</th>")
                .append("<th>mean score, better</th><th>mean score, worse</th></tr></thead><tbody>");
        evaluation.heads().forEach((name, head) -> h.append("<tr><td style=\"text-align:left\">").append(Render.escape(name))
                .append("</td><td>").append(Render.number(head.accuracy())).append("</td><td>").append(head.decidedPairs())
                .append("</td><td>").append(head.ties()).append("</td><td>").append(Render.number(head.meanChosen()))
                .append("</td><td>").append(Render.number(head.meanRejected())).append("</td></tr>"));
        h.append("</tbody></table>");
        for (String head : evaluation.heads().keySet()) {
            if (decidedScores(head)[0].length > 0) {
                h.append(Render.imgTag(ChartsView.of(charts(head)).toImage()));
            }
        }
        return h.append("</div>").toString();
    }

    @Override
    public String toString() {
        return toText();
    }
}
