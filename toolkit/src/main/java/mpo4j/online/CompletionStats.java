package mpo4j.online;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.generate.SampledCompletion;

/**
 * TRL's completion-length metrics of one generation batch, computed before any masking of truncated
 * completions: {@code completions/mean_length|min_length|max_length}, {@code completions/clipped_ratio}
 * (share truncated), {@code completions/mean_terminated_length|min_terminated_length|max_terminated_length}
 * (over the others; 0 when every completion was truncated, as TRL does), and {@code num_tokens}
 * (prompt plus completion tokens).
 */
public final class CompletionStats {
    private CompletionStats() {}

    /**
     * @param completions the batch
     * @param promptTokens the total number of prompt tokens of the batch (each completion's prompt counted once per completion)
     */
    public static Map<String, Double> of(List<SampledCompletion> completions, long promptTokens) {
        if (completions.isEmpty()) {
            throw new IllegalArgumentException("no completions to measure");
        }
        double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        double termSum = 0, termMin = Double.POSITIVE_INFINITY, termMax = Double.NEGATIVE_INFINITY;
        int truncated = 0;
        for (SampledCompletion c : completions) {
            int n = c.length();
            sum += n;
            min = Math.min(min, n);
            max = Math.max(max, n);
            if (c.truncated()) {
                truncated++;
            } else {
                termSum += n;
                termMin = Math.min(termMin, n);
                termMax = Math.max(termMax, n);
            }
        }
        int terminated = completions.size() - truncated;
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("num_tokens", (double) promptTokens + sum);
        out.put("completions/mean_length", sum / completions.size());
        out.put("completions/min_length", min);
        out.put("completions/max_length", max);
        out.put("completions/clipped_ratio", (double) truncated / completions.size());
        out.put("completions/mean_terminated_length", terminated == 0 ? 0 : termSum / terminated);
        out.put("completions/min_terminated_length", terminated == 0 ? 0 : termMin);
        out.put("completions/max_terminated_length", terminated == 0 ? 0 : termMax);
        return out;
    }
}
