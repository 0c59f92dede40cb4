package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.text.Tokenizer;

/**
 * A tiny InternVL-style vision-language model: ViT tiles → pixel shuffle + MLP projector → tokens
 * that replace a row's {@code <IMG_CONTEXT>} embeddings → Qwen2-style decoder with a tied output head.
 *
 * <pre>{@code
 * Vlm policy = Vlm.builder(VlmConfig.tinyVlm()).seed(42).build();
 * Vlm reference = policy.frozenCopy();                       // never receives gradients
 * try (NDManager step = policy.manager().newSubManager()) {
 *     NDArray logits = policy.forward(batch, step);         // [2B, L, vocab], chosen rows then rejected
 * }
 * policy.save(Path.of("runs/tiny"));
 * Vlm again = Vlm.load(Path.of("runs/tiny"));
 * }</pre>
 *
 * <p>Every intermediate array of a forward pass is created in the caller's {@code scope} and freed when
 * it closes; parameters live in the model's own manager until {@link #close()}.
 */
public final class Vlm implements AutoCloseable {
    /** Large negative added to masked attention scores (finite, so a fully masked row cannot produce NaN). */
    private static final float MASKED = -1e9f;

    private final VlmConfig config;
    private final NDManager manager;
    private final Map<String, Parameter> parameters;
    private final Decoder decoder;
    private final VisionEncoder vision;
    private final boolean trainable;
    private final boolean visionOncePerPair;
    /** The tokenizer whose special ids the config holds, if the model was given or saved with one. */
    private Tokenizer tokenizer;
    /** A checkpoint folder with {@code tokenizer.json}, loaded on first use so a model loads without it. */
    private final Path tokenizerDir;

    private Vlm(VlmConfig config, NDManager manager, Weights.Source source, boolean trainable, boolean visionOncePerPair,
                Tokenizer tokenizer, Path tokenizerDir) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.tokenizerDir = tokenizerDir;
        this.manager = manager;
        this.trainable = trainable;
        this.visionOncePerPair = visionOncePerPair;
        Weights root = Weights.root(source, manager, trainable);
        this.vision = config.hasVision() ? new VisionEncoder(root, config.vision(), config.text().hidden()) : null;
        this.decoder = new Decoder(root, config.text());
        this.parameters = Collections.unmodifiableMap(root.all());
    }

    /** A view sharing this model's parameters but with another vision-sharing policy. */
    private Vlm(Vlm base, boolean visionOncePerPair) {
        this.config = base.config;
        this.manager = base.manager;
        this.parameters = base.parameters;
        this.decoder = base.decoder;
        this.vision = base.vision;
        this.trainable = base.trainable;
        this.visionOncePerPair = visionOncePerPair;
        this.tokenizer = base.tokenizer;
        this.tokenizerDir = base.tokenizerDir;
    }

    public static Builder builder(VlmConfig config) { return new Builder(config); }

    /**
     * Builds a model from a seed: {@code Vlm.builder(VlmConfig.tinyVlm()).numKeyValueHeads(2).seed(42).build()}.
     */
    public static final class Builder {
        private VlmConfig config;
        private long seed = 42;
        private boolean visionOncePerPair = true;
        private NDManager parent;
        private Tokenizer tokenizer;

        private Builder(VlmConfig config) { this.config = config; }

        public Builder seed(long seed) { this.seed = seed; return this; }

        /** Replaces the whole configuration. */
        public Builder config(VlmConfig config) { this.config = config; return this; }

        /** Drops the vision tower. */
        public Builder textOnly() { return config(config.textOnly()); }

        /** Grouped-query attention: key/value heads shared by {@code heads / n} query heads each. */
        public Builder numKeyValueHeads(int n) { return config(config.withText(config.text().withNumKeyValueHeads(n))); }

        public Builder vocabSize(int n) { return config(config.withText(config.text().withVocabSize(n))); }

        /** Special token ids from the tokenizer. */
        public Builder tokenizerIds(VlmConfig.TokenIds ids) { return config(config.withTokenizerIds(ids)); }

        /** Special token ids ({@code <IMG_CONTEXT>}, {@code <img>}, {@code </img>}, pad, {@code <|im_end|>}) of this tokenizer. */
        public Builder tokenizer(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
            return config(config.withTokenizer(tokenizer));
        }

        public VlmConfig configuration() { return config; }

        /** {@code false} encodes each pair's tiles twice (once per row), as the Python tools do; for benchmarks and tests. */
        public Builder visionOncePerPair(boolean once) { this.visionOncePerPair = once; return this; }

        /** The manager whose child holds the parameters (default: a new base manager). */
        public Builder manager(NDManager parent) { this.parent = parent; return this; }

        public Vlm build() {
            return new Vlm(config, newModelManager(parent), Weights.seeded(seed), true, visionOncePerPair, tokenizer, null);
        }
    }

    static NDManager newModelManager(NDManager parent) {
        Mpo4jEngine.ensureOffline();
        return parent == null ? NDManager.newBaseManager() : parent.newSubManager();
    }

    public VlmConfig config() { return config; }

    /** The tokenizer this model was built or saved with, so a collator can be made from the model alone. */
    public synchronized Optional<Tokenizer> tokenizer() {
        if (tokenizer == null && tokenizerDir != null) {
            tokenizer = Tokenizer.load(tokenizerDir);
        }
        return Optional.ofNullable(tokenizer);
    }

    /**
     * An InternVL collator matching this model: its tokenizer, tile size and image tokens per tile.
     *
     * <pre>{@code
     * PreferenceBatch batch = tinyVlm().seed(42).build().collator().maxTiles(2).collate(pairs);
     * }</pre>
     */
    public InternVlCollator collator() {
        Tokenizer tokenizer = tokenizer().orElse(null);
        if (tokenizer == null) {
            throw new IllegalStateException("this model has no tokenizer to collate with: build it with .tokenizer(tok), "
                    + "load a checkpoint that has tokenizer.json, or use InternVlCollator.of(tokenizer)");
        }
        InternVlCollator collator = InternVlCollator.of(tokenizer);
        return config.hasVision()
                ? collator.tileSize(config.vision().tileSize()).tokensPerTile(config.tokensPerTile())
                : collator;
    }

    /** The manager holding the parameters; open forward scopes as its sub-managers. */
    public NDManager manager() { return manager; }

    /** All parameters in a fixed order under their Hugging Face names (the optimizer's view). */
    public Map<String, Parameter> parameters() { return parameters; }

    /** Whether the parameters require gradients ({@code false} for a {@link #frozenCopy()}). */
    public boolean isTrainable() { return trainable; }

    public boolean visionOncePerPair() { return visionOncePerPair; }

    /**
     * The same model (shared parameters, shared memory: closing either closes both) with another
     * vision-sharing policy.
     */
    public Vlm withVisionOncePerPair(boolean once) { return once == visionOncePerPair ? this : new Vlm(this, once); }

    /** Number of scalar parameters. */
    public long parameterCount() {
        return parameters.values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /**
     * A copy of the current weights that requires no gradient: the frozen reference model. It has its
     * own memory, so later updates of this model do not reach it (and its gradients never exist).
     */
    public Vlm frozenCopy() {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, p) -> arrays.put(name, p.getArray()));
        return new Vlm(config, newModelManager(null), Weights.copyOf(arrays), false, visionOncePerPair, tokenizer, tokenizerDir);
    }

    // ------------------------------------------------------------------------------------ forward

    /** Logits {@code [2B, L, vocab]} for the batch's chosen rows followed by its rejected rows. */
    public NDArray forward(PreferenceBatch batch, NDManager scope) {
        return decoder.logits(hidden(batch, scope));
    }

    /** Final hidden states {@code [2B, L, hidden]} (after the last norm) for chosen-then-rejected rows. */
    public NDArray hidden(PreferenceBatch batch, NDManager scope) {
        return hidden(batch.concatenated(), imagesOf(batch, scope), scope);
    }

    /** Logits {@code [N, L, vocab]} for arbitrary rows; {@code images} may be null for text-only rows. */
    public NDArray forward(SequenceBatch rows, Images images, NDManager scope) {
        return decoder.logits(hidden(rows, images, scope));
    }

    /** Final hidden states {@code [N, L, hidden]}; {@code images} may be null for text-only rows. */
    public NDArray hidden(SequenceBatch rows, Images images, NDManager scope) {
        NDArray x = embed(rows, images, scope);
        Decoder.Rotary rotary = new Decoder.Rotary(scope, 0, rows.length(), config.text().headDim(), config.text().ropeTheta());
        return decoder.run(x, rotary, causalPaddingMask(rows, scope), null);
    }

    /** The tied output head applied to hidden states. */
    public NDArray logits(NDArray hidden) { return decoder.logits(hidden); }

    /**
     * The batch's tiles for its {@code 2B} rows: row {@code r} uses pair {@code r % B}'s tiles, encoded
     * once per pair (or, with {@code visionOncePerPair == false}, duplicated so each row has its own).
     */
    Images imagesOf(PreferenceBatch batch, NDManager scope) {
        if (!batch.hasImages()) {
            return null;
        }
        int pairs = batch.pairs();
        NDArray pixels = batch.pixelValues(scope);
        int[] offsets = batch.tileOffsets();
        int[] flags = batch.imageFlags();
        int[] rowToGroup = new int[2 * pairs];
        if (visionOncePerPair) {
            for (int r = 0; r < rowToGroup.length; r++) {
                rowToGroup[r] = r % pairs;
            }
            return new Images(pixels, offsets, flags, rowToGroup);
        }
        int tiles = batch.tiles();
        int[] twiceOffsets = new int[2 * pairs + 1];
        for (int g = 0; g <= 2 * pairs; g++) {
            twiceOffsets[g] = g <= pairs ? offsets[g] : tiles + offsets[g - pairs];
        }
        int[] twiceFlags = new int[2 * tiles];
        System.arraycopy(flags, 0, twiceFlags, 0, tiles);
        System.arraycopy(flags, 0, twiceFlags, tiles, tiles);
        for (int r = 0; r < rowToGroup.length; r++) {
            rowToGroup[r] = r;
        }
        return new Images(pixels.concat(pixels, 0), twiceOffsets, twiceFlags, rowToGroup);
    }

    /**
     * Token embeddings with every {@code <IMG_CONTEXT>} position replaced by its vision token. The
     * replacement is one gather from {@code [zero row; all vision tokens]} and a masked blend, so it is
     * differentiable and needs no per-position native calls.
     */
    private NDArray embed(SequenceBatch rows, Images images, NDManager scope) {
        NDArray x = decoder.embed(rows.inputIds(scope));
        int contextId = config.tokens().imgContext();
        int n = rows.rows();
        int len = rows.length();
        long[] gather = new long[n * len];
        float[] textMask = new float[n * len];
        Arrays.fill(textMask, 1f);
        int perTile = config.tokensPerTile();
        boolean anyImageToken = false;
        for (int r = 0; r < n; r++) {
            int[] tiles = images == null ? new int[0] : flaggedTiles(images, images.rowToGroup()[r]);
            int slot = 0;
            for (int t = 0; t < rows.lengths()[r]; t++) {
                if (rows.inputId(r, t) != contextId) {
                    continue;
                }
                anyImageToken = true;
                if (vision == null) {
                    throw new IllegalArgumentException("row " + r + " contains <IMG_CONTEXT> (id " + contextId
                            + ") but the model has no vision tower");
                }
                if (slot >= tiles.length * perTile) {
                    throw new IllegalArgumentException("row " + r + " has more <IMG_CONTEXT> tokens than its "
                            + tiles.length + " tiles provide (" + tiles.length * perTile + ")");
                }
                gather[r * len + t] = 1 + (long) tiles[slot / perTile] * perTile + slot % perTile;
                textMask[r * len + t] = 0f;
                slot++;
            }
            if (slot != tiles.length * perTile) {
                throw new IllegalArgumentException("row " + r + " has " + slot + " <IMG_CONTEXT> tokens but its "
                        + tiles.length + " image tiles need " + tiles.length * perTile);
            }
        }
        if (!anyImageToken) {
            return x;
        }
        long hidden = config.text().hidden();
        NDArray tokens = vision.encode(images.pixelValues()).reshape(-1, hidden);
        NDArray table = scope.zeros(new Shape(1, hidden)).concat(tokens, 0);
        NDArray index = scope.create(gather, new Shape(n, len));
        NDArray imageEmbeddings = index.getNDArrayInternal().embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
        return x.mul(scope.create(textMask, new Shape(n, len, 1))).add(imageEmbeddings);
    }

    private static int[] flaggedTiles(Images images, int group) {
        int from = images.tileOffsets()[group];
        int to = images.tileOffsets()[group + 1];
        return java.util.stream.IntStream.range(from, to).filter(t -> images.imageFlags()[t] == 1).toArray();
    }

    /** Additive mask {@code [N, 1, L, L]}: query {@code i} sees key {@code j} iff {@code j <= i} and {@code j} is a real token. */
    private static NDArray causalPaddingMask(SequenceBatch rows, NDManager scope) {
        int n = rows.rows();
        int len = rows.length();
        float[] mask = new float[n * len * len];
        for (int r = 0; r < n; r++) {
            int real = rows.lengths()[r];
            for (int i = 0; i < len; i++) {
                int base = (r * len + i) * len;
                for (int j = 0; j < len; j++) {
                    mask[base + j] = j <= i && j < real ? 0f : MASKED;
                }
            }
        }
        return scope.create(mask, new Shape(n, 1, len, len));
    }

    // ------------------------------------------------------------------------------------ generation

    /**
     * Continues one prompt with a key/value cache until the end id ({@link VlmConfig.TokenIds#eos()}) or
     * {@code maxNewTokens}. Returns the new tokens only (including the end id if produced).
     *
     * @param prompt      token ids, containing the prompt's {@code <IMG_CONTEXT>} tokens if it has tiles
     * @param pixelValues the prompt's tiles {@code [T, 3, S, S]}, or {@code null}
     */
    public long[] generate(long[] prompt, NDArray pixelValues, Generation how) {
        return generate(List.of(prompt), Collections.singletonList(pixelValues), how).get(0);
    }

    /**
     * Continues several prompts at once (one decoding step for all of them): prompts are left-padded,
     * padding is masked out and each row's positions start at 0 at its first real token, so greedy
     * decoding gives every row the tokens it would get alone (sampling draws all rows from one seeded
     * stream). Each row stops at its own end id.
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
        Arrays.fill(ids, config.tokens().pad());
        for (int r = 0; r < n; r++) {
            padding[r] = width - prompts.get(r).length;
            System.arraycopy(prompts.get(r), 0, ids, r * width + padding[r], prompts.get(r).length);
        }
        int[] full = new int[n];
        Arrays.fill(full, width);        // left padding: every position is scanned for image tokens
        SequenceBatch rows = new SequenceBatch(n, width, ids, new long[ids.length], full, config.tokens().pad());

        List<List<Long>> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            out.add(new ArrayList<>());
        }
        boolean[] done = new boolean[n];
        SplittableRandom random = new SplittableRandom(how.seed());
        try (NDManager scope = manager.newSubManager()) {
            Decoder.KvCache cache = new Decoder.KvCache(config.text().layers(), scope);
            long[] next = new long[n];
            try (NDManager step = scope.newSubManager()) {
                NDArray x = embed(rows, promptImages(pixelValues, step), step);
                NDArray hidden = decoder.run(x, rotary(step, padding, 0, width), leftPaddedMask(padding, width, 0, width, step), cache);
                choose(hidden, how, random, next);
            }
            while (record(next, done, out, how.maxNewTokens())) {
                try (NDManager step = scope.newSubManager()) {
                    int past = (int) cache.length();
                    NDArray x = decoder.embed(step.create(next, new Shape(n, 1)));
                    NDArray hidden = decoder.run(x, rotary(step, padding, past, 1), leftPaddedMask(padding, 1, past, past + 1, step), cache);
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
            done[r] = next[r] == config.tokens().eos() || out.get(r).size() >= maxNewTokens;
            more |= !done[r];
        }
        return more;
    }

    /** The prompts' tiles, copied into the step scope (operations on the caller's arrays would land in the caller's manager). */
    private static Images promptImages(List<NDArray> pixelValues, NDManager step) {
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
        NDArray all = present.size() == 1 ? present.get(0) : ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(present), 0);
        return Images.of(all, offsets, java.util.stream.IntStream.range(0, pixelValues.size()).toArray());
    }

    private void choose(NDArray hidden, Generation how, SplittableRandom random, long[] next) {
        long len = hidden.getShape().get(1);
        float[] logits = decoder.logits(hidden.get(":, {}:, :", len - 1)).toFloatArray();
        int vocab = config.text().vocabSize();
        for (int r = 0; r < next.length; r++) {
            next[r] = how.pick(Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab), random);
        }
    }

    private Decoder.Rotary rotary(NDManager scope, int[] padding, int past, int length) {
        int[] starts = new int[padding.length];
        for (int r = 0; r < starts.length; r++) {
            starts[r] = past - padding[r];
        }
        return new Decoder.Rotary(scope, starts, length, config.text().headDim(), config.text().ropeTheta());
    }

    /**
     * Additive mask {@code [N, 1, queries, keys]} for left-padded rows: query {@code i} (absolute position
     * {@code past + i}) sees key {@code j} iff {@code j <= past + i} and {@code j} is not padding.
     */
    private static NDArray leftPaddedMask(int[] padding, int queries, int past, int keys, NDManager scope) {
        float[] mask = new float[padding.length * queries * keys];
        for (int r = 0; r < padding.length; r++) {
            for (int i = 0; i < queries; i++) {
                int base = (r * queries + i) * keys;
                for (int j = 0; j < keys; j++) {
                    mask[base + j] = j <= past + i && j >= padding[r] ? 0f : MASKED;
                }
            }
        }
        return scope.create(mask, new Shape(padding.length, 1, queries, keys));
    }

    // ------------------------------------------------------------------------------------ checkpoints

    /**
     * Saves {@code config.json} + {@code model.safetensors} into {@code dir}, atomically, with the
     * model's tokenizer files when it has a tokenizer.
     */
    public void save(Path dir) {
        SaveOptions options = SaveOptions.defaults();
        Path tokenizerFiles = tokenizer != null ? tokenizer.file().getParent() : tokenizerDir;
        save(dir, tokenizerFiles == null ? options : options.withTokenizer(tokenizerFiles));
    }

    /** Saves with a tokenizer to copy along and a shard size limit. */
    public void save(Path dir, SaveOptions options) {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        parameters.forEach((name, p) -> tensors.put(name, new SafeTensors.Tensor(p.getArray().getShape().getShape(), p.getArray().toFloatArray())));
        Checkpoint.write(dir, config, tensors, options);
    }

    /** Loads a model written by {@link #save}; its parameters are trainable. */
    public static Vlm load(Path dir) {
        try {
            VlmConfig config = Checkpoint.readConfig(dir);
            Map<String, SafeTensors.Tensor> tensors = SafeTensors.readDirectory(dir);
            Map<String, SafeTensors.Tensor> unused = new LinkedHashMap<>(tensors);
            Weights.Source source = (name, shape, init, m) -> {
                SafeTensors.Tensor t = unused.remove(name);
                if (t == null) {
                    throw new IllegalArgumentException(dir + ": checkpoint has no tensor " + name);
                }
                if (!new Shape(t.shape()).equals(shape)) {
                    throw new IllegalArgumentException(dir + ": tensor " + name + " has shape " + new Shape(t.shape())
                            + " but config.json implies " + shape);
                }
                return m.create(t.values(), new Shape(t.shape()));
            };
            NDManager manager = newModelManager(null);
            try {
                Path tokenizerDir = Files.isRegularFile(dir.resolve("tokenizer.json")) ? dir : null;
                Vlm model = new Vlm(config, manager, source, true, true, null, tokenizerDir);
                if (!unused.isEmpty()) {
                    throw new IllegalArgumentException(dir + ": checkpoint has tensors the model does not know: " + unused.keySet());
                }
                return model;
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot load model from " + dir + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------ lifecycle

    /** Frees the parameters. */
    @Override
    public void close() { manager.close(); }

    @Override
    public String toString() {
        return "Vlm(" + parameterCount() + " parameters, " + (vision == null ? "text-only" : "vision") + ", "
                + (trainable ? "trainable" : "frozen") + ")";
    }
}
