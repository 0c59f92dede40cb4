package mpo4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Examples collated on demand under an error policy. An example that fails to collate (a truncated
 * image, say: loading and {@code validate()} read only image headers) either stops the run with an
 * error naming its source (file:line), or, with {@code skip}, is dropped from every batch it falls in,
 * logged once and counted in a metric ({@code skipped_<noun>s}, e.g. {@code skipped_pairs}). Which example failed is found by
 * collating the failed batch's examples one by one, so the cost is paid only when something fails.
 *
 * @param <T> the example type
 * @param <B> the batch type
 */
public final class SkippingBatches<T, B> implements Batches<B> {
    private static final Logger LOG = LoggerFactory.getLogger(SkippingBatches.class);

    /** Makes a batch of examples; also given their indices (e.g. to seed augmentation reproducibly). */
    @FunctionalInterface
    public interface Collate<T, B> {
        /** The batch of {@code examples}, which sit at {@code indices} of the data. */
        B apply(List<T> examples, int[] indices);
    }

    /** A batch and the example indices it holds (fewer than asked when examples were dropped). */
    public record Collated<B>(B batch, int[] indices) {}

    private final List<T> examples;
    private final Collate<T, B> collate;
    private final Function<T, String> source;
    private final boolean skip;
    private final String noun;
    private final String metric;
    private final Map<Integer, String> dropped = new TreeMap<>();

    /**
     * @param source the file:line of an example, to name it in errors and logs
     * @param skip   drop failing examples (else stop with an error)
     * @param noun   what an example is called in messages, e.g. {@code pair}; the metric is {@code skipped_<noun>s}
     */
    public SkippingBatches(List<T> examples, Collate<T, B> collate, Function<T, String> source, boolean skip, String noun) {
        this.examples = List.copyOf(examples);
        this.collate = collate;
        this.source = source;
        this.skip = skip;
        this.noun = noun;
        this.metric = "skipped_" + noun + "s";
    }

    @Override public int size() { return examples.size(); }

    /** The examples themselves, in order. */
    public List<T> examples() { return examples; }

    @Override
    public B batch(int[] indices) {
        Collated<B> c = collate(indices);
        return c == null ? null : c.batch();
    }

    @Override
    public Map<String, Double> skipped() {
        return skip ? Map.of(metric, (double) dropped.size()) : Map.of();
    }

    /** Indices of the examples dropped so far and why ("file:line: problem"). */
    public Map<Integer, String> dropped() { return new LinkedHashMap<>(dropped); }

    /**
     * Collates {@code indices} under the policy: the batch and the indices it holds, or {@code null}
     * when every example was dropped.
     *
     * @throws IllegalArgumentException without {@code skip}, naming the first failing example
     */
    public Collated<B> collate(int[] indices) {
        int[] keep = dropped.isEmpty() ? indices : java.util.Arrays.stream(indices).filter(i -> !dropped.containsKey(i)).toArray();
        if (keep.length == 0) {
            return null;
        }
        try {
            return new Collated<>(exactly(keep), keep);
        } catch (RuntimeException whole) {
            List<Integer> good = new ArrayList<>();
            for (int i : keep) {
                try {
                    exactly(new int[] {i});
                    good.add(i);
                } catch (RuntimeException single) {
                    String why = describe(i, single);
                    if (!skip) {
                        throw new IllegalArgumentException(noun + " " + why + " (skip such " + noun + "s with onError(OnError.SKIP))", single);
                    }
                    dropped.put(i, why);
                    LOG.warn("skipping {} {} (onError SKIP)", noun, why);
                }
            }
            if (good.size() == keep.length) {
                throw whole;                   // no single example is at fault: a problem of the batch itself
            }
            if (good.isEmpty()) {
                return null;
            }
            int[] kept = good.stream().mapToInt(Integer::intValue).toArray();
            return new Collated<>(exactly(kept), kept);
        }
    }

    private B exactly(int[] indices) {
        List<T> picked = new ArrayList<>(indices.length);
        for (int i : indices) {
            picked.add(examples.get(i));
        }
        return collate.apply(picked, indices);
    }

    /** "file:line: problem" (a data error already starts with its source). */
    private String describe(int index, RuntimeException e) {
        String where = source.apply(examples.get(index));
        String message = String.valueOf(e.getMessage());
        return message.startsWith(where) ? message : where + ": " + message;
    }
}
