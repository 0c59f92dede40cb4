package mpo4j.reward;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mpo4j.data.Source;

/**
 * A reward model evaluated on held-out pairs: per head, accuracy over the A/B pairs only (correct iff the
 * preferred input's score is strictly higher), mean score of the preferred ("chosen") and other
 * ("rejected") input over those pairs, and every pair's scores (ties included).
 *
 * @param step the optimizer step it was taken at ({@code -1} outside training)
 */
public record RewardEvaluation(int step, Map<String, Head> heads, List<Sample> samples) {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    public RewardEvaluation {
        heads = Collections.unmodifiableMap(new LinkedHashMap<>(heads));
        samples = List.copyOf(samples);
    }

    /**
     * One head's numbers.
     *
     * @param decidedPairs A/B pairs (the accuracy's denominator); ties are not counted
     * @param accuracy     NaN when there are no A/B pairs
     */
    public record Head(double accuracy, int decidedPairs, int ties, double meanChosen, double meanRejected) {}

    /** One evaluated pair: its labels, both inputs' unscaled scores per head, and where it came from. */
    public record Sample(Source source, Map<String, String> labels, Map<String, Double> scores0, Map<String, Double> scores1) {}

    public double accuracy(String head) { return head(head).accuracy(); }

    public Head head(String name) {
        Head h = heads.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no head '" + name + "' in this evaluation; heads: " + heads.keySet());
        }
        return h;
    }

    /** {@code accuracy}, {@code chosen_reward}, {@code reject_reward} per head as {@code {h}_acc}, … (the trainer's names). */
    public Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        heads.forEach((h, v) -> {
            m.put(h + "_acc", v.accuracy());
            m.put(h + "_chosen_reward", v.meanChosen());
            m.put(h + "_reject_reward", v.meanRejected());
        });
        return m;
    }

    /**
     * One line per pair, ties included: {@code {"info": {head: label, …}, "scores0": {head: s}, "scores1":
     * {head: s}, "source": "file:line"}}, written to a temp file and renamed.
     */
    public Path writeJsonl(Path file) {
        StringBuilder sb = new StringBuilder();
        for (Sample s : samples) {
            JsonObject line = new JsonObject();
            JsonObject info = new JsonObject();
            s.labels().forEach(info::addProperty);
            line.add("info", info);
            line.add("scores0", scores(s.scores0()));
            line.add("scores1", scores(s.scores1()));
            line.addProperty("source", s.source().toString());
            sb.append(GSON.toJson(line)).append('\n');
        }
        try {
            mpo4j.io.AtomicFiles.writeString(file, sb);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write evaluation results to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code evals/eval_results_{step}.jsonl} under {@code runDir}. */
    public Path writeInto(Path runDir) {
        return writeJsonl(runDir.resolve("evals").resolve("eval_results_" + step + ".jsonl"));
    }

    private static JsonObject scores(Map<String, Double> scores) {
        JsonObject o = new JsonObject();
        scores.forEach(o::addProperty);
        return o;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "RewardEvaluation  step %d, %d pairs", step, samples.size()));
        heads.forEach((h, v) -> sb.append(String.format(Locale.ROOT, "%n  %-14s accuracy %.4f over %d A/B pairs (%d ties)   chosen %.4f   rejected %.4f",
                h, v.accuracy(), v.decidedPairs(), v.ties(), v.meanChosen(), v.meanRejected())));
        return sb.toString();
    }

    static Builder builder(List<String> heads) { return new Builder(heads); }

    /** Accumulates pairs batch by batch. */
    static final class Builder {
        private final List<String> heads;
        private final List<Sample> samples = new ArrayList<>();

        Builder(List<String> heads) { this.heads = List.copyOf(heads); }

        void add(RewardBatch batch, List<RewardModel.PairScores> scores) {
            for (int i = 0; i < batch.pairs(); i++) {
                samples.add(new Sample(batch.sources().get(i), batch.labels().get(i), scores.get(i).scores0(), scores.get(i).scores1()));
            }
        }

        boolean isEmpty() { return samples.isEmpty(); }

        RewardEvaluation build(int step) {
            Map<String, Head> out = new LinkedHashMap<>();
            for (String h : heads) {
                int decided = 0, correct = 0, ties = 0;
                double chosen = 0, rejected = 0;
                for (Sample s : samples) {
                    int sign = sign(s.labels().get(h));
                    if (sign == 0) {
                        ties++;
                        continue;
                    }
                    double s0 = s.scores0().get(h), s1 = s.scores1().get(h);
                    double c = sign > 0 ? s0 : s1, r = sign > 0 ? s1 : s0;
                    decided++;
                    correct += c > r ? 1 : 0;
                    chosen += c;
                    rejected += r;
                }
                out.put(h, decided == 0 ? new Head(Double.NaN, 0, ties, Double.NaN, Double.NaN)
                        : new Head(correct / (double) decided, decided, ties, chosen / decided, rejected / decided));
            }
            return new RewardEvaluation(step, out, samples);
        }
    }

    /** {@code +1} for A (input 0 preferred), {@code −1} for B, 0 for anything else (a tie), as {@code RewardLoss} reads labels. */
    static int sign(String label) {
        String l = label == null ? "" : label.trim().toUpperCase(Locale.ROOT);
        return l.equals("A") ? 1 : l.equals("B") ? -1 : 0;
    }
}
