/**
 * LoRA adapters in PEFT's format: {@link mpo4j.peft.LoraConfig} (PEFT's {@code LoraConfig} names and
 * defaults plus InternVL's freeze switches), {@link mpo4j.peft.LoraModel} (a model with adapters that is
 * itself a {@link mpo4j.model.CausalLm}, so every trainer takes it unchanged; its reference is the base
 * with adapters off, sharing the weights), {@code adapter_config.json} / {@code adapter_model.safetensors}
 * save and load, and merging into the base weights.
 *
 * <p>Adapters attach to any model that lists its linear layers
 * ({@link mpo4j.model.CausalLm#linearLayers()}); models built from Hugging Face names list them all.
 */
package mpo4j.peft;
