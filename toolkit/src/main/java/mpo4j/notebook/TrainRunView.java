package mpo4j.notebook;

import java.util.List;
import java.util.Locale;
import mpo4j.train.TrainRun;

/**
 * A finished (or interrupted) training run as a notebook shows it: steps done and the last train and
 * eval values of the headline metrics (the curves are {@code run.curves()}). The text form leaves out
 * the wall time, so a re-run of a notebook prints the same thing.
 */
public final class TrainRunView implements Renderable {
    static final List<String> HEADLINE = List.of("loss", "rewards/chosen", "rewards/rejected", "rewards/margins",
            "rewards/accuracies", "logps/chosen", "logps/rejected");

    private final TrainRun run;

    private TrainRunView(TrainRun run) {
        this.run = run;
    }

    public static TrainRunView of(TrainRun run) {
        return new TrainRunView(run);
    }

    @Override
    public String toText() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "TrainRun: %d/%d steps%s", run.steps(), run.totalSteps(),
                run.interrupted() ? " (interrupted)" : ""));
        for (String prefix : List.of("", "eval/")) {
            for (String metric : HEADLINE) {
                double v = run.last(prefix + metric);
                if (Double.isFinite(v)) {
                    s.append(String.format(Locale.ROOT, "%n  %-26s %10s", prefix + metric, Render.number(v)));
                }
            }
        }
        return s.toString();
    }

    @Override
    public String toHtml() {
        StringBuilder h = new StringBuilder("<div class=\"mpo4j-run\"><b>TrainRun</b> &middot; ")
                .append(run.steps()).append('/').append(run.totalSteps()).append(" steps");
        if (run.interrupted()) {
            h.append(" &middot; <b>interrupted</b>");
        }
        h.append("<table><thead><tr><th>metric</th><th>last train</th><th>last eval</th></tr></thead><tbody>");
        for (String metric : HEADLINE) {
            double train = run.last(metric);
            double eval = run.last("eval/" + metric);
            if (Double.isFinite(train) || Double.isFinite(eval)) {
                h.append("<tr><td>").append(Render.escape(metric)).append("</td><td>").append(cell(train))
                        .append("</td><td>").append(cell(eval)).append("</td></tr>");
            }
        }
        h.append("</tbody></table>");
        return h.append("</div>").toString();
    }

    private static String cell(double v) {
        return Double.isFinite(v) ? Render.number(v) : "";
    }

    @Override
    public String toString() {
        return toText();
    }
}
