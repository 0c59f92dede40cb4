package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import mpo4j.text.ChatTemplate;
import mpo4j.text.Tokenizer;

/**
 * A causal language model, optionally with a vision tower: what trainers, losses and generation
 * need, and nothing about preference pairs or collators. Token rows (plus, for a vision-language model,
 * the image tiles whose tokens replace the {@code <IMG_CONTEXT>} embeddings) go in; hidden states and
 * logits come out. Implementations: {@link TinyVlm}; checkpoints read from Hugging Face folders and
 * adapter-wrapped models implement the same contract.
 *
 * <p>Memory: every array of a forward pass is created in the caller's {@code scope} and freed when it
 * closes; parameters live in {@link #manager()} until {@link #close()}.
 */
public interface CausalLm extends AutoCloseable {

    /** Vocabulary size (the last axis of the logits). */
    int vocabSize();

    /** Decoder layers (the size of a {@link KvCache}). */
    int layers();

    /** Special token ids: end of generation, padding, and the image placeholders. */
    TokenIds tokens();

    /** Tile size and image tokens per tile, when the model has a vision tower. */
    Optional<VisionInput> vision();

    /** The tokenizer the model was built or saved with, if any. */
    Optional<Tokenizer> tokenizer();

    /**
     * The chat template the model was trained with: by default its tokenizer's
     * ({@code tokenizer_config.json}); a model whose checkpoint names its own conversation template
     * (InternVL's {@code template} field) overrides it, and wrappers (LoRA) pass their base model's on.
     *
     * @throws IllegalStateException when the model has no tokenizer
     */
    default ChatTemplate chatTemplate() {
        return ChatTemplate.of(tokenizer().orElseThrow(() -> new IllegalStateException(
                "this model has no tokenizer, so no chat template: load a checkpoint with tokenizer files or build it with .tokenizer(tok)")));
    }

    /** The manager holding the parameters; open forward scopes as its sub-managers. */
    NDManager manager();

    /** All parameters in a fixed order under their Hugging Face names. */
    Map<String, Parameter> parameters();

    /**
     * Every linear layer by its Hugging Face module name ({@code model.layers.0.self_attn.q_proj}), in
     * model order: what adapters such as LoRA attach to. Models built from {@code Weights} return its
     * registry; a model that cannot list its layers cannot be adapted.
     *
     * @throws UnsupportedOperationException if this model does not expose its linear layers
     */
    default Map<String, AdaptableLinear> linearLayers() {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " does not expose its linear layers (linearLayers()), so adapters cannot be attached to it");
    }

    /** Whether the parameters require gradients ({@code false} for a {@link #frozenCopy()}). */
    boolean isTrainable();

    /** A copy of the current weights in its own memory that requires no gradient (a frozen reference). */
    CausalLm frozenCopy();

    /**
     * Final hidden states {@code [rows, length, hidden]} (after the last norm). {@code images} may be
     * null for text-only rows.
     */
    NDArray hidden(TokenRows rows, ImageInputs images, NDManager scope);

    /** The output head applied to hidden states. */
    NDArray logits(NDArray hidden);

    /** Logits {@code [rows, length, vocab]}. */
    default NDArray forward(TokenRows rows, ImageInputs images, NDManager scope) {
        return logits(hidden(rows, images, scope));
    }

    /**
     * Incremental decoding: appends {@code rows} (all of width {@code rows.length()}, every position
     * real except each row's {@code leftPadding[r]} leading pad positions of the first call) to
     * {@code cache} and returns the hidden states of the new positions. Row {@code r}'s first real
     * token is at position 0, so left-padded prompts decode as they would alone.
     */
    NDArray decode(TokenRows rows, int[] leftPadding, ImageInputs images, KvCache cache, NDManager scope);

    /** An empty key/value cache for {@link #decode}. */
    default KvCache newCache(NDManager manager) { return new KvCache(layers(), manager); }

    /** Writes the model (config and weights, with its tokenizer files) into {@code dir}, atomically. */
    void save(Path dir);

    /** Reads a model of this implementation from a folder written by {@link #save}; it is trainable. */
    CausalLm loadSaved(Path dir);

    /** Number of scalar parameters. */
    default long parameterCount() {
        return parameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /** Frees the parameters. */
    @Override
    void close();

    /**
     * What a collator needs to know about the vision tower.
     *
     * @param tileSize      tile edge in pixels
     * @param tokensPerTile {@code <IMG_CONTEXT>} tokens one tile occupies in a row
     */
    record VisionInput(int tileSize, int tokensPerTile) {}
}
