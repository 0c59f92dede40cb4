/**
 * The tiny InternVL-style vision-language model: a ViT over 64 px tiles, InternVL's pixel-shuffle
 * projector {@code mlp1}, and a Qwen2-style decoder with a tied output head, written directly over
 * DJL NDArrays with parameters under their Hugging Face names.
 *
 * <pre>{@code
 * Vlm policy = Mpo.tinyVlm().tokenizer(tok).seed(42).build();        // bench.md configuration
 * Vlm reference = policy.frozenCopy();                               // no gradients, own memory
 * try (NDManager step = policy.manager().newSubManager();
 *         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
 *     NDArray logits = policy.forward(batch, step);                  // [2B, L, V], chosen rows then rejected
 *     NDArray refLogits = reference.forward(batch, step);            // carries no graph
 *     gc.backward(loss(logits, refLogits));
 * }
 * policy.parameters().forEach((name, p) -> update(name, p.getArray(), p.getArray().getGradient()));
 * policy.save(Path.of("runs/tiny"), SaveOptions.defaults().withTokenizer(tok.file()));
 * long[] answer = Vlm.load(Path.of("runs/tiny")).generate(promptIds, pixels, Generation.greedy(64));
 * }</pre>
 *
 * <p>Entry points: {@link mpo4j.model.Vlm} (build, forward, save/load, generate),
 * {@link mpo4j.model.VlmConfig} (shapes and special ids), {@link mpo4j.model.Images} (which tiles fill
 * which rows), {@link mpo4j.model.Generation}, {@link mpo4j.model.SaveOptions}.
 */
package mpo4j.model;
