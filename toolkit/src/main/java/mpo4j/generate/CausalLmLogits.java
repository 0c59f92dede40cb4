package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.model.KvCache;
import mpo4j.model.TokenRows;
import mpo4j.engine.GradMode;

/**
 * {@link NextTokenLogits} over any {@link CausalLm} through its {@link KvCache}, so that
 * {@link CompletionGenerator} samples from a real model: the rows' prompts are left-padded into one
 * batch and prefilled in one pass (each prompt's {@code <IMG_CONTEXT>} tokens filled from its tiles),
 * then every step decodes one token per row.
 *
 * <p>The cache holds every row of the batch; a row that has stopped is fed the pad token (its outputs
 * are never read) and only the active rows' logits go through the output head. Every pass runs with
 * autograd off ({@link GradMode}), so sampling inside a training step records no graph.
 *
 * <p>The image placeholder {@code <IMG_CONTEXT>} is never sampled (its logit is set to minus infinity):
 * a forward pass reads every such token as an image slot, so a completion containing one could not be
 * scored. The recorded log-probs are then those of the distribution without it (the same for any
 * other token up to the placeholder's tiny probability).
 *
 * <p>One instance serves one generation at a time; {@link #close()} frees its cache (a new
 * {@link #start} frees the previous one too).
 */
public final class CausalLmLogits implements NextTokenLogits, AutoCloseable {
    private final CausalLm model;
    private final ImageInputs promptImages;
    private NDManager session;
    private KvCache cache;
    private int[] padding;

    private CausalLmLogits(CausalLm model, ImageInputs promptImages) {
        this.model = model;
        this.promptImages = promptImages;
    }

    /** Text prompts only. */
    public static CausalLmLogits of(CausalLm model) { return new CausalLmLogits(model, null); }

    /**
     * Prompts with images: group {@code p} of {@code promptImages} holds the tiles of the {@code p}-th
     * distinct prompt of {@link #start} (its {@code rowToGroup} is not used; a prompt without image has an
     * empty group). The arrays stay the caller's.
     */
    public static CausalLmLogits of(CausalLm model, ImageInputs promptImages) {
        return new CausalLmLogits(model, promptImages);
    }

    @Override
    public NDArray start(List<long[]> rowPrompts) {
        close();
        int rows = rowPrompts.size();
        int[] rowToPrompt = new int[rows];
        for (int r = 1; r < rows; r++) {
            // CompletionGenerator passes one array instance per prompt to its numGenerations rows
            rowToPrompt[r] = rowToPrompt[r - 1] + (rowPrompts.get(r) == rowPrompts.get(r - 1) ? 0 : 1);
        }
        int prompts = rows == 0 ? 0 : rowToPrompt[rows - 1] + 1;
        if (promptImages != null && promptImages.tileOffsets().length - 1 != prompts) {
            throw new IllegalArgumentException(prompts + " distinct prompts but " + (promptImages.tileOffsets().length - 1)
                    + " image groups: give one group (possibly empty) per prompt");
        }
        int width = rowPrompts.stream().mapToInt(p -> p.length).max().orElse(0);
        padding = new int[rows];
        long[] ids = new long[rows * width];
        Arrays.fill(ids, model.tokens().pad());
        for (int r = 0; r < rows; r++) {
            long[] p = rowPrompts.get(r);
            padding[r] = width - p.length;
            System.arraycopy(p, 0, ids, r * width + padding[r], p.length);
        }
        session = model.manager().newSubManager();
        cache = model.newCache(session);
        int[] all = new int[rows];
        Arrays.setAll(all, i -> i);
        return GradMode.off(() -> {
            try (NDManager step = session.newSubManager()) {
                ImageInputs images = promptImages == null ? null : rowImages(rowToPrompt, step);
                NDArray hidden = model.decode(TokenRows.full(rows, width, ids), padding, images, cache, step);
                return lastLogits(hidden, all, step);
            }
        });
    }

    @Override
    public NDArray next(int[] activeRows, long[] tokens) {
        if (session == null) {
            throw new IllegalStateException("call start(prompts) before next(...)");
        }
        if (activeRows.length != tokens.length) {
            throw new IllegalArgumentException(activeRows.length + " active rows but " + tokens.length + " tokens");
        }
        int rows = padding.length;
        long[] ids = new long[rows];
        Arrays.fill(ids, model.tokens().pad());
        for (int i = 0; i < activeRows.length; i++) {
            ids[activeRows[i]] = tokens[i];
        }
        return GradMode.off(() -> {
            try (NDManager step = session.newSubManager()) {
                NDArray hidden = model.decode(TokenRows.full(rows, 1, ids), padding, null, cache, step);
                return lastLogits(hidden, activeRows, step);
            }
        });
    }

    /** The prompts' tiles for the batch rows, copied into the step (the vision tower's outputs land there too). */
    private ImageInputs rowImages(int[] rowToPrompt, NDManager step) {
        NDArray pixels = promptImages.pixelValues().duplicate();
        pixels.attach(step);
        return new ImageInputs(pixels, promptImages.tileOffsets(), promptImages.imageFlags(), rowToPrompt);
    }

    /** Float logits {@code [rows.length, vocab]} of the last position of the given rows, in the session's manager. */
    private NDArray lastLogits(NDArray hidden, int[] rows, NDManager step) {
        long n = hidden.getShape().get(0);
        long width = hidden.getShape().get(1);
        NDArray last = hidden.get(":, {}:, :", width - 1);
        if (rows.length != n) {
            long size = last.getShape().get(2);
            long[] index = new long[rows.length * (int) size];
            for (int i = 0; i < rows.length; i++) {
                Arrays.fill(index, i * (int) size, (i + 1) * (int) size, rows[i]);
            }
            last = last.gather(step.create(index, new Shape(rows.length, 1, size)), 0);
        }
        NDArray logits = model.logits(last).reshape(rows.length, -1).toType(DataType.FLOAT32, true);
        long imgContext = model.tokens().imgContext();
        if (imgContext >= 0) {   // a text-only model has none (-1), and index -1 would mask the last vocabulary id
            logits.set(new NDIndex(":, {}", imgContext), Float.NEGATIVE_INFINITY);
        }
        logits.attach(session);
        return logits;
    }

    /** Frees the cache of the current generation, if any. */
    @Override
    public void close() {
        if (session != null) {
            session.close();
            session = null;
            cache = null;
        }
    }
}
