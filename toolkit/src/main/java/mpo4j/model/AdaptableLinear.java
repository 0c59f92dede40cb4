package mpo4j.model;

import ai.djl.nn.Parameter;
import java.util.Optional;

/**
 * A linear layer {@code y = x W^T + b} of a model, seen from outside the model so that adapters (LoRA)
 * can be attached to it without model-specific code. While an {@link AdapterScope} that holds an
 * adapter for this layer is open on the calling thread, the layer adds that adapter's
 * {@link LinearAdapter#delta delta} to its output.
 */
public interface AdaptableLinear {

    /** The Hugging Face module name, e.g. {@code model.layers.0.self_attn.q_proj}. */
    String moduleName();

    /** Input features (the last axis of {@code x}). */
    long inFeatures();

    /** Output features. */
    long outFeatures();

    /** The weight, stored {@code [out, in]} as in PyTorch. */
    Parameter weight();

    /** The bias {@code [out]}, if the layer has one. */
    Optional<Parameter> bias();
}
