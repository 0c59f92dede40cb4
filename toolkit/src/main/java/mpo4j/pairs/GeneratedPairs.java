package mpo4j.pairs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.PreferencePair;

/**
 * What a pipeline produced: the pairs, and how many input items it kept or dropped and why.
 *
 * @param pairs the generated pairs, in input order
 * @param counts named counts in a fixed order: {@code items}, {@code kept}, then one {@code dropped_<reason>}
 *     per reason and any further tallies (e.g. {@code responses})
 */
public record GeneratedPairs(List<PreferencePair> pairs, Map<String, Integer> counts) {

    /** Keeps unmodifiable copies (the counts' order preserved). */
    public GeneratedPairs {
        pairs = List.copyOf(pairs);
        counts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    /** Input items that gave at least one pair. */
    public int kept() { return counts.getOrDefault("kept", 0); }

    /** Input items that gave no pair, whatever the reason. */
    public int dropped() { return counts.getOrDefault("items", 0) - kept(); }

    /** The number of one count, 0 when absent. */
    public int count(String name) { return counts.getOrDefault(name, 0); }

    @Override
    public String toString() {
        return "GeneratedPairs[" + pairs.size() + " pairs, " + counts + "]";
    }
}
