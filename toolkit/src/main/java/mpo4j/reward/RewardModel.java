package mpo4j.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;
import mpo4j.data.RewardPair;
import mpo4j.data.Source;
import mpo4j.collate.PreferenceBatch;
import mpo4j.model.TinyVlm;
import mpo4j.text.Tokenizer;
import mpo4j.train.TensorFile;
import mpo4j.train.Trainable;
import mpo4j.engine.GradMode;
import mpo4j.engine.HostCopy;

/**
 * A scalar reward model: a (vision-)language backbone ({@link TinyVlm}, with or without vision tower) and one
 * or more named heads (default {@code preference}) that map the pooled final hidden state to a score in
 * (0,1). Each head: last real token (or attention pooling with a learnable query) → Linear(H,H) →
 * RMSNorm → SiLU → Linear(H,1, no bias) → sigmoid. With {@link Builder#hpsScale(boolean)} each head also
 * has a learnable log-scale {@code s_h} (initialised to {@code ln(1/0.07)}) and training uses
 * {@code score · exp(s_h)}; scoring and evaluation always use the unscaled score.
 *
 * <p>Parameters: the backbone's Hugging Face names, then {@code heads.<name>.…}. Closing the model frees
 * the heads and the backbone.
 *
 * <p>Why this class is longer than a model class should be (~400 lines): besides the forward pass
 * (~40 lines) it holds the scoring API a notebook calls ({@code score}, {@code scores}), the HPS
 * train-time scale and its own two-file checkpoint format; the heads are {@link RewardHead}. Splitting
 * the checkpoint code out is the next step when a second backbone type arrives.
 */
public final class RewardModel implements Trainable, AutoCloseable {
    /** The head a model has when none is named. */
    public static final String DEFAULT_HEAD = "preference";
    static final String HEADS_FILE = "reward_heads.safetensors";
    static final String CONFIG_FILE = "reward_config.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private final TinyVlm backbone;
    private final NDManager headManager;
    private final Map<String, RewardHead> heads;
    private final boolean attentionPooling;
    private final long seed;
    private final RewardCollator collator;
    private final Map<String, NDArray> parameters;

    private RewardModel(TinyVlm backbone, List<String> names, boolean attentionPooling, boolean hpsScale, long seed, RewardCollator collator) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a reward model needs at least one head");
        }
        this.backbone = backbone;
        this.attentionPooling = attentionPooling;
        this.seed = seed;
        this.collator = collator;
        this.headManager = backbone.manager().newSubManager();
        Map<String, RewardHead> h = new LinkedHashMap<>();
        int hidden = backbone.config().text().hidden();
        for (String name : names) {
            if (name == null || name.isBlank() || name.contains(".")) {
                throw new IllegalArgumentException("head name must be non-empty without '.', got '" + name + "'");
            }
            if (h.put(name, new RewardHead(name, hidden, attentionPooling, hpsScale, seed, headManager)) != null) {
                throw new IllegalArgumentException("duplicate head name '" + name + "'");
            }
        }
        this.heads = Collections.unmodifiableMap(h);
        Map<String, NDArray> all = new LinkedHashMap<>();
        backbone.parameters().forEach((name, p) -> all.put(name, p.getArray()));
        heads.values().forEach(head -> all.putAll(head.parameters()));
        this.parameters = Collections.unmodifiableMap(all);
    }

    public static Builder builder(TinyVlm backbone) {
        if (backbone == null || !backbone.isTrainable()) {
            throw new IllegalArgumentException("the reward model's backbone must be a trainable TinyVlm (not a frozen copy)");
        }
        return new Builder(backbone, List.of(DEFAULT_HEAD), false, false, 42, null);
    }

    /**
     * How to build a reward model, as an immutable value; only the backbone is required.
     *
     * @param headNames        head names, in order (default {@code preference})
     * @param attentionPooling pool with a learnable query over the real tokens instead of taking the last real token
     * @param hpsScale         HPS-style learnable train-time scale {@code exp(s_h)} per head
     * @param seed             seed of the heads' initial weights (the backbone has its own)
     * @param collator         the collator that {@code score(...)} and the trainer use, or null
     */
    public record Builder(TinyVlm backbone, List<String> headNames, boolean attentionPooling, boolean hpsScale, long seed,
                          RewardCollator collator) {
        public Builder {
            headNames = List.copyOf(headNames);
        }

        /** Head names, in order (default {@code preference}). */
        public Builder heads(String... names) { return new Builder(backbone, List.of(names), attentionPooling, hpsScale, seed, collator); }

        /** Pool with a learnable query over the real tokens instead of taking the last real token. */
        public Builder attentionPooling(boolean on) { return new Builder(backbone, headNames, on, hpsScale, seed, collator); }

        /** HPS-style learnable train-time scale {@code exp(s_h)} per head, {@code s_h} starting at {@code ln(1/0.07)}. */
        public Builder hpsScale(boolean on) { return new Builder(backbone, headNames, attentionPooling, on, seed, collator); }

        /** Seed of the heads' initial weights (the backbone has its own). */
        public Builder seed(long s) { return new Builder(backbone, headNames, attentionPooling, hpsScale, s, collator); }

        /** The collator that {@code score(...)} and the trainer use to turn pairs into batches. */
        public Builder collator(RewardCollator c) { return new Builder(backbone, headNames, attentionPooling, hpsScale, seed, c); }

        /** Shorthand for {@code collator(RewardCollator.forModel(tokenizer, backbone.config()))}. */
        public Builder tokenizer(Tokenizer tokenizer) { return collator(RewardCollator.forModel(tokenizer, backbone.config())); }

        public RewardModel build() { return new RewardModel(backbone, headNames, attentionPooling, hpsScale, seed, collator); }
    }

    // ------------------------------------------------------------------------------------ accessors

    public TinyVlm backbone() { return backbone; }

    /** Head names in order. */
    public List<String> heads() { return List.copyOf(heads.keySet()); }

    public boolean attentionPooling() { return attentionPooling; }

    public boolean hpsScale() { return heads.values().iterator().next().hasScale(); }

    /** The learnable HPS log-scale {@code s_h} of a head (NaN without HPS scale). */
    public double logScale(String head) { return head(head).logScale(); }

    /** The collator used by {@code score(...)} and by a trainer given plain pairs; {@code null} if none was set. */
    public RewardCollator collator() { return collator; }

    /** The same model (shared parameters) with another collator. */
    public RewardModel withCollator(RewardCollator c) {
        return new RewardModel(this, c);
    }

    private RewardModel(RewardModel base, RewardCollator collator) {
        this.backbone = base.backbone;
        this.headManager = base.headManager;
        this.heads = base.heads;
        this.attentionPooling = base.attentionPooling;
        this.seed = base.seed;
        this.collator = collator;
        this.parameters = base.parameters;
    }

    /** Backbone parameters (HF names) then head parameters ({@code heads.<name>.…}). */
    @Override
    public Map<String, NDArray> trainableParameters() { return parameters; }

    public long parameterCount() { return parameters.values().stream().mapToLong(a -> a.getShape().size()).sum(); }

    // ------------------------------------------------------------------------------------ forward

    /** One head's scores for the two sides of each pair of a batch: {@code [N]} each. */
    public record Sides(NDArray scores0, NDArray scores1) {}

    /**
     * Unscaled scores in (0,1) of every head for both inputs of each pair. Both sides run as one
     * {@code 2N} batch padded to one length (vision encoded once per pair), then split.
     */
    public Map<String, Sides> forward(RewardBatch batch, NDManager scope) {
        PreferenceBatch sides = batch.sides();
        NDArray hidden = backbone.hidden(sides.concatenated().tokens(), sides.images(scope), scope);
        int[] lengths = batch.sides().concatenated().lengths();
        int n = batch.pairs();
        Map<String, Sides> out = new LinkedHashMap<>();
        for (RewardHead head : heads.values()) {
            NDArray s = head.score(hidden, lengths, scope);
            out.put(head.name, new Sides(s.get("0:{}", n), s.get("{}:", n)));
        }
        return out;
    }

    /** The scores the training loss sees: {@code score · exp(s_h)} with an HPS scale, else the scores themselves. */
    public Sides trainScaled(String head, Sides s, NDManager scope) {
        RewardHead h = head(head);
        return h.hasScale() ? new Sides(h.scaled(s.scores0(), scope), h.scaled(s.scores1(), scope)) : s;
    }

    // ------------------------------------------------------------------------------------ scoring

    /** The unscaled scores of both inputs of one pair, per head. */
    public record PairScores(Map<String, Double> scores0, Map<String, Double> scores1) {
        public PairScores {
            scores0 = Collections.unmodifiableMap(new LinkedHashMap<>(scores0));
            scores1 = Collections.unmodifiableMap(new LinkedHashMap<>(scores1));
        }

        /** Score of input 0 under the default (first) head. */
        public double score0() { return scores0.values().iterator().next(); }

        public double score1() { return scores1.values().iterator().next(); }
    }

    /**
     * This model as an online trainer's reward function ({@code GrpoTrainer.rewardFunc("rm", model.asRewardFunction())}):
     * each completion scores the default (first) head's unscaled score for the prompt's question and images.
     * The model must have a collator.
     */
    public mpo4j.online.RewardFunction asRewardFunction() { return asRewardFunction(heads().get(0)); }

    /** As {@link #asRewardFunction()}, under the named head; an error names the heads there are. */
    public mpo4j.online.RewardFunction asRewardFunction(String head) { return new ModelReward(this, head); }

    /** Scores both responses of a pair (no gradient). */
    public PairScores score(RewardPair pair) {
        return scoreAll(List.of(pair)).get(0);
    }

    /** Scores pairs in batches of 8 (no gradient), in order. */
    public List<PairScores> scoreAll(List<RewardPair> pairs) {
        return scoreAll(pairs, 8);
    }

    public List<PairScores> scoreAll(List<RewardPair> pairs, int batchSize) {
        RewardCollator c = requireCollator();
        List<PairScores> out = new ArrayList<>();
        for (int from = 0; from < pairs.size(); from += batchSize) {
            RewardBatch batch = c.collate(pairs.subList(from, Math.min(pairs.size(), from + batchSize)));
            out.addAll(scores(batch));
        }
        return out;
    }

    /** Unscaled scores of a collated batch, per pair (no gradient). */
    public List<PairScores> scores(RewardBatch batch) {
        return mpo4j.engine.GradMode.off(() -> scoresWithoutGrad(batch));      // any thread: no graph is recorded
    }

    private List<PairScores> scoresWithoutGrad(RewardBatch batch) {
        try (NDManager scope = backbone.manager().newSubManager()) {
            Map<String, Sides> sides = forward(batch, scope);
            List<PairScores> out = new ArrayList<>();
            Map<String, float[]> s0 = new LinkedHashMap<>(), s1 = new LinkedHashMap<>();
            sides.forEach((h, s) -> {
                s0.put(h, HostCopy.floats(s.scores0()));
                s1.put(h, HostCopy.floats(s.scores1()));
            });
            for (int i = 0; i < batch.pairs(); i++) {
                Map<String, Double> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
                for (String h : heads.keySet()) {
                    a.put(h, (double) s0.get(h)[i]);
                    b.put(h, (double) s1.get(h)[i]);
                }
                out.add(new PairScores(a, b));
            }
            return out;
        }
    }

    /**
     * The score of one response to a single-turn prompt, per head. A single image needs no
     * {@code <image>} placeholder (InternVL's rule puts it before the question).
     */
    public Map<String, Double> score(String prompt, String response, List<Path> images) {
        return score(List.of(ChatMessage.user(prompt)), response, images);
    }

    public Map<String, Double> score(List<ChatMessage> prompt, String response, List<Path> images) {
        Map<String, String> noLabels = Map.of();
        RewardPair single = new RewardPair(prompt, response, response, images, noLabels, Source.inline("score(prompt, response)"));
        return score(single).scores0();
    }

    /** Per-head accuracy over A/B pairs, mean chosen/rejected score and every pair's scores (no gradient). */
    public RewardEvaluation evaluate(List<RewardPair> pairs, int batchSize) {
        RewardCollator c = requireCollator();
        RewardEvaluation.Builder eval = RewardEvaluation.builder(heads());
        for (int from = 0; from < pairs.size(); from += batchSize) {
            RewardBatch batch = c.collate(pairs.subList(from, Math.min(pairs.size(), from + batchSize)));
            eval.add(batch, scores(batch));
        }
        return eval.build(-1);
    }

    public RewardEvaluation evaluate(List<RewardPair> pairs) { return evaluate(pairs, 8); }

    private RewardCollator requireCollator() {
        if (collator == null) {
            throw new IllegalStateException("this reward model has no collator: build it with .tokenizer(tok) or .collator(c), "
                    + "or call withCollator(RewardCollator.forModel(tok, model.backbone().config()))");
        }
        return collator;
    }

    RewardHead head(String name) {
        RewardHead h = heads.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no head '" + name + "'; heads: " + heads.keySet());
        }
        return h;
    }

    // ------------------------------------------------------------------------------------ save / load

    /**
     * Writes the backbone in Hugging Face layout ({@code config.json}, {@code model.safetensors}) and next
     * to it {@code reward_heads.safetensors} and {@code reward_config.json}. The directory is assembled
     * under a temporary name and swapped into place, so it is never half-written.
     */
    @Override
    public void save(Path dir) {
        try {
            mpo4j.io.AtomicFiles.writeDirectory(dir, temp -> {
                backbone.save(temp);
                Map<String, NDArray> headArrays = new LinkedHashMap<>();
                heads.values().forEach(h -> headArrays.putAll(h.parameters()));
                TensorFile.write(temp.resolve(HEADS_FILE), headArrays);
                JsonObject json = new JsonObject();
                com.google.gson.JsonArray names = new com.google.gson.JsonArray();
                heads.keySet().forEach(names::add);
                json.add("heads", names);
                json.addProperty("pooling", attentionPooling ? "attention" : "last_token");
                json.addProperty("hps_scale", hpsScale());
                json.addProperty("seed", seed);
                mpo4j.io.AtomicFiles.writeString(temp.resolve(CONFIG_FILE), GSON.toJson(json));
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save reward model to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Loads a model written by {@link #save} (without a collator). */
    public static RewardModel load(Path dir) { return load(dir, null); }

    /** Loads a model written by {@link #save}, with the collator {@code score(...)} will use. */
    public static RewardModel load(Path dir, RewardCollator collator) {
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(dir.resolve(CONFIG_FILE), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(dir.resolve(CONFIG_FILE) + ": not a reward model config (" + e.getMessage() + ")", e);
        }
        List<String> names = new ArrayList<>();
        json.getAsJsonArray("heads").forEach(e -> names.add(e.getAsString()));
        TinyVlm backbone = TinyVlm.load(dir);
        RewardModel model = new RewardModel(backbone, names, "attention".equals(json.get("pooling").getAsString()),
                json.get("hps_scale").getAsBoolean(), json.get("seed").getAsLong(), collator);
        try {
            model.loadHeads(dir);
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException("cannot load reward heads from " + dir + ": " + e.getMessage(), e);
        }
        return model;
    }

    /** Overwrites the live backbone and head parameters with those saved in {@code dir} (for resume). */
    @Override
    public void loadInPlace(Path dir) throws IOException {
        try (TinyVlm saved = TinyVlm.load(dir)) {
            for (Map.Entry<String, Parameter> e : backbone.parameters().entrySet()) {
                Parameter from = saved.parameters().get(e.getKey());
                if (from == null) {
                    throw new IOException(dir + ": checkpoint has no tensor " + e.getKey());
                }
                e.getValue().getArray().set(HostCopy.floats(from.getArray()));
            }
        }
        loadHeads(dir);
    }

    private void loadHeads(Path dir) throws IOException {
        Map<String, NDArray> headArrays = new LinkedHashMap<>();
        heads.values().forEach(h -> headArrays.putAll(h.parameters()));
        TensorFile.loadInto(dir.resolve(HEADS_FILE), headArrays);
    }


    // ------------------------------------------------------------------------------------ lifecycle

    /** Frees the heads and the backbone. */
    @Override
    public void close() {
        headManager.close();
        backbone.close();
    }

    @Override
    public String toString() {
        return "RewardModel(" + parameterCount() + " parameters, heads " + heads.keySet() + ", "
                + (attentionPooling ? "attention pooling" : "last-token pooling") + (hpsScale() ? ", HPS scale" : "")
                + ", backbone " + backbone + ")";
    }
}
