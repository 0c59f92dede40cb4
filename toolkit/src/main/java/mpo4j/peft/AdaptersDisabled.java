package mpo4j.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import mpo4j.model.AdaptableLinear;
import mpo4j.model.AdapterScope;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.model.KvCache;
import mpo4j.model.TokenIds;
import mpo4j.model.TokenRows;
import mpo4j.text.ChatTemplate;
import mpo4j.text.Tokenizer;

/**
 * The base model under a {@link LoraModel} with every adapter switched off: the same weights, frozen,
 * nothing copied (the reference of preference training). Closing it frees nothing.
 *
 * <p>Saving writes the adapted model's adapter folder, and loading goes back through it, so a resumed
 * trainer rebuilds this view over the live base (the base weights never change while only adapters
 * train).
 */
final class AdaptersDisabled implements CausalLm {
    private final LoraModel adapted;
    private final CausalLm base;

    AdaptersDisabled(LoraModel adapted) {
        this.adapted = adapted;
        this.base = adapted.base();
    }

    @Override
    public int vocabSize() { return base.vocabSize(); }

    @Override
    public int layers() { return base.layers(); }

    @Override
    public TokenIds tokens() { return base.tokens(); }

    @Override
    public Optional<VisionInput> vision() { return base.vision(); }

    @Override
    public Optional<Tokenizer> tokenizer() { return base.tokenizer(); }

    @Override
    public ChatTemplate chatTemplate() { return base.chatTemplate(); }

    @Override
    public NDManager manager() { return base.manager(); }

    @Override
    public Map<String, Parameter> parameters() { return base.parameters(); }

    @Override
    public Map<String, AdaptableLinear> linearLayers() { return base.linearLayers(); }

    @Override
    public boolean isTrainable() { return false; }

    @Override
    public CausalLm frozenCopy() { return this; }

    // An empty scope: adapters off even when called inside another adapted model's forward.
    @Override
    public NDArray hidden(TokenRows rows, ImageInputs images, NDManager scope) {
        try (AdapterScope off = AdapterScope.open(Map.of())) {
            return base.hidden(rows, images, scope);
        }
    }

    @Override
    public NDArray logits(NDArray hidden) {
        try (AdapterScope off = AdapterScope.open(Map.of())) {
            return base.logits(hidden);
        }
    }

    @Override
    public NDArray decode(TokenRows rows, int[] leftPadding, ImageInputs images, KvCache cache, NDManager scope) {
        try (AdapterScope off = AdapterScope.open(Map.of())) {
            return base.decode(rows, leftPadding, images, cache, scope);
        }
    }

    @Override
    public KvCache newCache(NDManager m) { return base.newCache(m); }

    @Override
    public void save(Path dir) { adapted.save(dir); }

    @Override
    public CausalLm loadSaved(Path dir) { return adapted.loadSaved(dir); }

    @Override
    public void close() { }

    @Override
    public String toString() { return "AdaptersDisabled(" + base + ")"; }
}
