package mpo4j.rl;

import java.util.ArrayList;
import java.util.List;
import mpo4j.online.RewardFunction;

/**
 * TRL's pairwise judge ({@code BasePairwiseJudge.judge}): for each prompt and its two completions, the
 * index (0 or 1) of the better one. Online DPO ranks each prompt's two samples with it.
 */
@FunctionalInterface
public interface PairJudge {
    /**
     * @param prompts one per pair
     * @param completions for each prompt, its two completions
     * @return for each prompt, 0 or 1: which completion is preferred
     */
    List<Integer> judge(List<String> prompts, List<List<String>> completions);

    /**
     * The judge as a reward function over two completions per prompt (prompt-major rows): 1 for the
     * preferred completion, 0 for the other, so that ranking by score follows the judge.
     */
    default RewardFunction asReward() {
        return in -> {
            if (in.size() % 2 != 0) {
                throw new IllegalArgumentException("a pairwise judge needs two completions per prompt, got " + in.size() + " completions");
            }
            List<String> prompts = new ArrayList<>();
            List<List<String>> pairs = new ArrayList<>();
            for (int i = 0; i < in.size(); i += 2) {
                prompts.add(in.prompts().get(i));
                pairs.add(List.of(in.completions().get(i), in.completions().get(i + 1)));
            }
            List<Integer> better = judge(prompts, pairs);
            if (better.size() != prompts.size()) {
                throw new IllegalStateException("the judge returned " + better.size() + " choices for " + prompts.size() + " pairs");
            }
            List<Double> scores = new ArrayList<>();
            for (int p = 0; p < better.size(); p++) {
                int b = better.get(p);
                if (b != 0 && b != 1) {
                    throw new IllegalStateException("the judge must return 0 or 1 for pair " + p + ", got " + b);
                }
                scores.add(b == 0 ? 1.0 : 0.0);
                scores.add(b == 1 ? 1.0 : 0.0);
            }
            return scores;
        };
    }
}
