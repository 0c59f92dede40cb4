package mpo4j.online;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Several reward functions combined as TRL combines them: the total reward of a completion is
 * {@code nansum_f(weight_f * reward_f)}, except that a completion every function declined (all null)
 * is unscorable and its total is NaN (TRL 1.x: excluded from the group statistics, advantage 0).
 */
public final class WeightedRewards {
    private final List<NamedReward> functions;

    /** Combines {@code functions}, whose names must differ; at least one is needed. */
    public WeightedRewards(List<NamedReward> functions) {
        if (functions.isEmpty()) {
            throw new IllegalArgumentException("at least one reward function is needed");
        }
        Set<String> names = new HashSet<>();
        for (NamedReward f : functions) {
            if (!names.add(f.name())) {
                throw new IllegalArgumentException("two reward functions are named '" + f.name() + "'");
            }
        }
        this.functions = List.copyOf(functions);
    }

    /** The reward functions, in order. */
    public List<NamedReward> functions() { return functions; }

    /** Runs every function on {@code inputs} and combines their scores. */
    public RewardScores score(RewardInputs inputs) {
        int n = inputs.size();
        double[][] per = new double[functions.size()][];
        for (int f = 0; f < per.length; f++) {
            NamedReward named = functions.get(f);
            List<Double> out = named.function().score(inputs);
            if (out == null || out.size() != n) {
                throw new IllegalStateException("reward function '" + named.name() + "' returned "
                        + (out == null ? "null" : out.size() + " scores") + " for " + n + " completions");
            }
            per[f] = new double[n];
            for (int i = 0; i < n; i++) {
                Double v = out.get(i);
                per[f][i] = v == null ? Double.NaN : v;
            }
        }
        double[] total = new double[n];
        for (int i = 0; i < n; i++) {
            boolean any = false;
            for (int f = 0; f < per.length; f++) {
                if (!Double.isNaN(per[f][i])) {
                    total[i] += functions.get(f).weight() * per[f][i];
                    any = true;
                }
            }
            if (!any) {
                total[i] = Double.NaN;
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int f = 0; f < per.length; f++) {
            String name = functions.get(f).name();
            metrics.put("rewards/" + name + "/mean", NanStats.nanmean(per[f]));
            metrics.put("rewards/" + name + "/std", NanStats.nanstd(per[f]));
        }
        metrics.put("reward", NanStats.nanmean(total));
        metrics.put("reward_std", NanStats.nanstd(total));
        return new RewardScores(per, total, metrics);
    }

    /** The names, in order (for display). */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        functions.forEach(f -> out.add(f.name()));
        return out;
    }
}
