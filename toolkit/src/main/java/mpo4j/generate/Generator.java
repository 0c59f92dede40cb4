package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.model.KvCache;
import mpo4j.model.TokenRows;
import mpo4j.model.TokenIds;

/**
 * Continues prompts with any {@link CausalLm} through its key/value cache: the prompts are left-padded
 * into one batch, prefilled in one forward pass, then extended one token per step until each row emits
 * the model's end id ({@link mpo4j.model.TokenIds#eos()}) or reaches {@code maxNewTokens}.
 *
 * <p>Padding is masked out and each row's positions start at 0 at its first real token, so greedy
 * decoding gives every row the tokens it would get alone (sampling draws all rows from one seeded
 * stream).
 */
public final class Generator {
    private final CausalLm model;

    private Generator(CausalLm model) { this.model = model; }

    public static Generator of(CausalLm model) { return new Generator(model); }

    /**
     * Continues one prompt; returns the new tokens only (including the end id if produced).
     *
     * @param prompt      token ids, containing the prompt's {@code <IMG_CONTEXT>} tokens if it has tiles
     * @param pixelValues the prompt's tiles {@code [T, 3, S, S]}, or {@code null}
     */
    public long[] generate(long[] prompt, NDArray pixelValues, Generation how) {
        return generate(List.of(prompt), Collections.singletonList(pixelValues), how).get(0);
    }

    /**
     * Continues several prompts at once (one decoding step for all of them).
     *
     * @param pixelValues one entry per prompt: its tiles {@code [T, 3, S, S]}, or {@code null}
     */
    public List<long[]> generate(List<long[]> prompts, List<NDArray> pixelValues, Generation how) {
        int n = prompts.size();
        if (pixelValues.size() != n) {
            throw new IllegalArgumentException(n + " prompts but " + pixelValues.size() + " pixel-value entries");
        }
        int width = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        int[] padding = new int[n];
        long[] ids = new long[n * width];
        Arrays.fill(ids, model.tokens().pad());
        for (int r = 0; r < n; r++) {
            padding[r] = width - prompts.get(r).length;
            System.arraycopy(prompts.get(r), 0, ids, r * width + padding[r], prompts.get(r).length);
        }
        List<List<Long>> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            out.add(new ArrayList<>());
        }
        boolean[] done = new boolean[n];
        SplittableRandom random = new SplittableRandom(how.seed());
        long[] next = new long[n];
        try (NDManager scope = model.manager().newSubManager()) {
            KvCache cache = model.newCache(scope);
            try (NDManager step = scope.newSubManager()) {
                // every position of the prompt batch is scanned for image tokens (left padding holds none)
                NDArray hidden = model.decode(TokenRows.full(n, width, ids), padding, promptImages(pixelValues, step), cache, step);
                choose(hidden, how, random, next);
            }
            while (record(next, done, out, how.maxNewTokens())) {
                try (NDManager step = scope.newSubManager()) {
                    NDArray hidden = model.decode(TokenRows.full(n, 1, next), padding, null, cache, step);
                    choose(hidden, how, random, next);
                }
            }
        }
        return out.stream().map(tokens -> tokens.stream().mapToLong(Long::longValue).toArray()).toList();
    }

    /** Appends each unfinished row's token; returns whether any row continues. */
    private boolean record(long[] next, boolean[] done, List<List<Long>> out, int maxNewTokens) {
        boolean more = false;
        for (int r = 0; r < next.length; r++) {
            if (done[r]) {
                continue;
            }
            out.get(r).add(next[r]);
            done[r] = next[r] == model.tokens().eos() || out.get(r).size() >= maxNewTokens;
            more |= !done[r];
        }
        return more;
    }

    /** The prompts' tiles, copied into the step scope (operations on the caller's arrays would land in the caller's manager). */
    private static ImageInputs promptImages(List<NDArray> pixelValues, NDManager step) {
        List<NDArray> present = new ArrayList<>();
        int[] offsets = new int[pixelValues.size() + 1];
        for (int r = 0; r < pixelValues.size(); r++) {
            NDArray p = pixelValues.get(r);
            offsets[r + 1] = offsets[r] + (p == null ? 0 : Math.toIntExact(p.getShape().get(0)));
            if (p != null) {
                NDArray copy = p.duplicate();
                copy.attach(step);
                present.add(copy);
            }
        }
        if (present.isEmpty()) {
            return null;
        }
        NDArray all = present.size() == 1 ? present.get(0) : NDArrays.concat(new NDList(present), 0);
        return ImageInputs.of(all, offsets, IntStream.range(0, pixelValues.size()).toArray());
    }

    /** The next token of every row from the last position's logits: one host copy per step. */
    private void choose(NDArray hidden, Generation how, SplittableRandom random, long[] next) {
        long len = hidden.getShape().get(1);
        float[] logits = model.logits(hidden.get(":, {}:, :", len - 1)).toFloatArray();
        int vocab = model.vocabSize();
        for (int r = 0; r < next.length; r++) {
            next[r] = how.pick(Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab), random);
        }
    }
}
