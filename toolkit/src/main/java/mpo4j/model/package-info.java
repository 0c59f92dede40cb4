/**
 * Models: the {@link mpo4j.model.CausalLm} contract that trainers, losses and generation use, and its
 * implementations — {@link mpo4j.model.TinyVlm}, a toy-size InternVL3-shaped vision-language model
 * (ViT + pixel-shuffle projector + Qwen2-style decoder) written directly over DJL NDArrays with
 * parameters under their Hugging Face names.
 *
 * <p>Inputs are plain: {@link mpo4j.model.TokenRows} (ids and real lengths) and
 * {@link mpo4j.model.ImageInputs} (tiles and which rows they fill); collators produce them, this package
 * knows nothing of pairs or collators. Incremental decoding uses a {@link mpo4j.model.KvCache};
 * the decoding loop lives in {@code mpo4j.generate}.
 */
package mpo4j.model;
