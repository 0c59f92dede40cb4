package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import mpo4j.hf.SafetensorsWriter;

/**
 * Writes tiny checkpoints the way the hub serves Qwen2.5-0.5B-Instruct and Qwen3-0.6B: their exact
 * {@code config.json} field sets (values shrunk), transformers' tensor names and state-dict order, and
 * a {@code generation_config.json} whose {@code eos_token_id} is a list. Independent of the code under
 * test: names, shapes and JSON are spelled out here.
 */
final class QwenCheckpoints {
    static final int BOS = 60;
    static final int EOS = 61;
    static final int PAD = 60;

    private QwenCheckpoints() {}

    /** A tensor's shape and float32 values (row-major). */
    record Tensor(long[] shape, float[] values) {}

    /** The shape of a tiny test model. */
    record Dims(int vocab, int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate, boolean tied) {
        static Dims qwen25() { return new Dims(64, 16, 2, 4, 2, 4, 24, true); }

        /** Qwen3: head_dim 8 although hidden / heads = 4, as Qwen3 allows. */
        static Dims qwen3() { return new Dims(64, 16, 2, 4, 2, 8, 24, true); }

        Dims untied() { return new Dims(vocab, hidden, layers, heads, kvHeads, headDim, intermediate, false); }
    }

    /** Qwen2.5-0.5B-Instruct's config.json fields, in its order, with tiny values. */
    static String qwen25Config(Dims d, String torchDtype) {
        return """
                {
                  "architectures": [
                    "Qwen2ForCausalLM"
                  ],
                  "attention_dropout": 0.0,
                  "bos_token_id": %d,
                  "eos_token_id": %d,
                  "hidden_act": "silu",
                  "hidden_size": %d,
                  "initializer_range": 0.02,
                  "intermediate_size": %d,
                  "max_position_embeddings": 32768,
                  "max_window_layers": 21,
                  "model_type": "qwen2",
                  "num_attention_heads": %d,
                  "num_hidden_layers": %d,
                  "num_key_value_heads": %d,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 1000000.0,
                  "sliding_window": 32768,
                  "tie_word_embeddings": %s,
                  "torch_dtype": "%s",
                  "transformers_version": "4.43.1",
                  "use_cache": true,
                  "use_sliding_window": false,
                  "vocab_size": %d
                }
                """.formatted(BOS, EOS, d.hidden(), d.intermediate(), d.heads(), d.layers(), d.kvHeads(), d.tied(), torchDtype, d.vocab());
    }

    /** Qwen3-0.6B's config.json fields, in its order, with tiny values. */
    static String qwen3Config(Dims d, String torchDtype) {
        return """
                {
                  "architectures": [
                    "Qwen3ForCausalLM"
                  ],
                  "attention_bias": false,
                  "attention_dropout": 0.0,
                  "bos_token_id": %d,
                  "eos_token_id": %d,
                  "head_dim": %d,
                  "hidden_act": "silu",
                  "hidden_size": %d,
                  "initializer_range": 0.02,
                  "intermediate_size": %d,
                  "max_position_embeddings": 40960,
                  "max_window_layers": 28,
                  "model_type": "qwen3",
                  "num_attention_heads": %d,
                  "num_hidden_layers": %d,
                  "num_key_value_heads": %d,
                  "rms_norm_eps": 1e-06,
                  "rope_scaling": null,
                  "rope_theta": 1000000,
                  "sliding_window": null,
                  "tie_word_embeddings": %s,
                  "torch_dtype": "%s",
                  "transformers_version": "4.51.0",
                  "use_cache": true,
                  "use_sliding_window": false,
                  "vocab_size": %d
                }
                """.formatted(BOS, EOS, d.headDim(), d.hidden(), d.intermediate(), d.heads(), d.layers(), d.kvHeads(), d.tied(),
                torchDtype, d.vocab());
    }

    /** Qwen2.5-Instruct's generation_config.json with tiny ids: eos is a list. */
    static String generationConfig() {
        return """
                {
                  "bos_token_id": %d,
                  "pad_token_id": %d,
                  "do_sample": true,
                  "eos_token_id": [
                    %d,
                    %d
                  ],
                  "repetition_penalty": 1.1,
                  "temperature": 0.7,
                  "top_p": 0.8,
                  "top_k": 20,
                  "transformers_version": "4.37.0"
                }
                """.formatted(BOS, PAD, EOS, BOS);
    }

    /**
     * Random weights under transformers' names in its state-dict order (embedding; per layer self_attn
     * q/k/v/o [+ q_norm, k_norm], mlp gate/up/down, input_layernorm, post_attention_layernorm; norm;
     * lm_head when untied). Norm weights are near 1, everything else ~N(0, 0.3).
     */
    static Map<String, Tensor> randomWeights(Dims d, boolean qwen3, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> w = new LinkedHashMap<>();
        int q = d.heads() * d.headDim();
        int kv = d.kvHeads() * d.headDim();
        w.put("model.embed_tokens.weight", random(random, 0, d.vocab(), d.hidden()));
        for (int i = 0; i < d.layers(); i++) {
            String p = "model.layers." + i + ".";
            w.put(p + "self_attn.q_proj.weight", random(random, 0, q, d.hidden()));
            if (!qwen3) {
                w.put(p + "self_attn.q_proj.bias", random(random, 0, q));
            }
            w.put(p + "self_attn.k_proj.weight", random(random, 0, kv, d.hidden()));
            if (!qwen3) {
                w.put(p + "self_attn.k_proj.bias", random(random, 0, kv));
            }
            w.put(p + "self_attn.v_proj.weight", random(random, 0, kv, d.hidden()));
            if (!qwen3) {
                w.put(p + "self_attn.v_proj.bias", random(random, 0, kv));
            }
            w.put(p + "self_attn.o_proj.weight", random(random, 0, d.hidden(), q));
            if (qwen3) {
                w.put(p + "self_attn.q_norm.weight", random(random, 1, d.headDim()));
                w.put(p + "self_attn.k_norm.weight", random(random, 1, d.headDim()));
            }
            w.put(p + "mlp.gate_proj.weight", random(random, 0, d.intermediate(), d.hidden()));
            w.put(p + "mlp.up_proj.weight", random(random, 0, d.intermediate(), d.hidden()));
            w.put(p + "mlp.down_proj.weight", random(random, 0, d.hidden(), d.intermediate()));
            w.put(p + "input_layernorm.weight", random(random, 1, d.hidden()));
            w.put(p + "post_attention_layernorm.weight", random(random, 1, d.hidden()));
        }
        w.put("model.norm.weight", random(random, 1, d.hidden()));
        if (!d.tied()) {
            w.put("lm_head.weight", random(random, 0, d.vocab(), d.hidden()));
        }
        return w;
    }

    private static Tensor random(SplittableRandom random, double mean, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + random.nextGaussian() * 0.3);
        }
        return new Tensor(shape, v);
    }

    /** Writes config.json, generation_config.json and the weights through {@code writer} into {@code dir}. */
    static Path write(Path dir, String config, Map<String, Tensor> weights, SafetensorsWriter writer) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config);
        Files.writeString(dir.resolve("generation_config.json"), generationConfig());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            weights.forEach((name, t) -> arrays.put(name, m.create(t.values(), new Shape(t.shape()))));
            writer.write(dir, arrays);
        }
        return dir;
    }

    /** float32 rounded to bfloat16 (nearest, ties to even) and back: what a bf16 checkpoint stores. */
    static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }
}
