package mpo4j.online;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a reward function sees, TRL's {@code reward_funcs} keyword arguments: one entry per completion.
 * TRL repeats every dataset column of a prompt for each of its completions; so do callers here.
 *
 * @param prompts the prompt text of each completion
 * @param completions the completion texts
 * @param completionIds the completion token ids (TRL's {@code completion_ids})
 * @param columns the other dataset columns by name, each with one value per completion (values may be null)
 */
public record RewardInputs(List<String> prompts, List<String> completions, List<long[]> completionIds,
        Map<String, List<Object>> columns) {

    /** Checks that every list has one entry per completion; keeps unmodifiable copies. */
    public RewardInputs {
        int n = completions.size();
        if (prompts.size() != n || completionIds.size() != n) {
            throw new IllegalArgumentException("reward inputs need one entry per completion: " + prompts.size()
                    + " prompts, " + n + " completions, " + completionIds.size() + " completion_ids");
        }
        Map<String, List<Object>> copy = new LinkedHashMap<>();
        columns.forEach((name, values) -> {
            if (values.size() != n) {
                throw new IllegalArgumentException("column '" + name + "' has " + values.size() + " values for " + n + " completions");
            }
            copy.put(name, java.util.Collections.unmodifiableList(new java.util.ArrayList<>(values)));
        });
        prompts = List.copyOf(prompts);
        completions = List.copyOf(completions);
        completionIds = List.copyOf(completionIds);
        columns = java.util.Collections.unmodifiableMap(copy);
    }

    /** The number of completions. */
    public int size() { return completions.size(); }

    /** The named column; an error lists the columns there are. */
    public List<Object> column(String name) {
        List<Object> values = columns.get(name);
        if (values == null) {
            throw new IllegalArgumentException("no dataset column '" + name + "'; columns: " + columns.keySet());
        }
        return values;
    }
}
