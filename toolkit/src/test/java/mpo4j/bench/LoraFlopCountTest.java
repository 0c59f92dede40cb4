package mpo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import mpo4j.hf.HfConfig;
import mpo4j.model.AdaptableLinear;
import mpo4j.model.DecoderConfig;
import mpo4j.model.QwenCausalLm;
import mpo4j.peft.LoraConfig;
import mpo4j.peft.LoraLayer;
import mpo4j.peft.LoraModel;
import org.junit.jupiter.api.Test;

/** The LoRA step count, by hand on a tiny decoder and against the layers a real model builds. */
class LoraFlopCountTest {

    @Test
    void tinyDecoderByHand() {
        // H 4, 2 heads of d 2 (q = 4), 1 kv head (kv = 2), I 6, 1 layer, V 10, r 1; one row of 3 tokens, 2 scored
        DecoderConfig c = DecoderConfig.qwen2(10, 4, 1, 2, 1, 6, true);
        LoraFlopCount f = LoraFlopCount.allLinear(c, new int[] {3}, 1, 2);
        // base per token 2·(4·4 + 2·4·2 + 4·4 + 3·4·6) = 2·120 = 240, × 3 tokens
        assertEquals(720, f.baseLinear(), 0);
        // adapters per token 2·1·((4+4) + 2·(4+2) + (4+4) + 2·(4+6) + (6+4)) = 2·58 = 116, × 3 tokens
        assertEquals(348, f.adapters(), 0);
        // attention 1 layer · 2 heads · 4·3²·2
        assertEquals(144, f.attention(), 0);
        // head 2·4·10 per scored position, × 2
        assertEquals(160, f.head(), 0);
        assertEquals(720 + 348 + 144 + 160, f.forward(), 0);
        // 3·720 + 3·348 + 4·144 + 3·160
        assertEquals(4260, f.step(), 0);
        assertEquals(4 * (720 + 144 + 160), f.fullFineTuningStep(), 0);
    }

    /** The closed form equals the sum over the linear layers and adapters the model and PEFT wrapper actually create. */
    @Test
    void matchesTheLayersOfABuiltModel() throws IOException {
        HfConfig config = HfConfig.parse("tiny config.json", """
                {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 16, "intermediate_size": 40, "model_type": "qwen2",
                 "num_attention_heads": 4, "num_hidden_layers": 3, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
                 "tie_word_embeddings": true, "vocab_size": 50, "bos_token_id": 1, "eos_token_id": 2}
                """);
        int[] rows = {7, 5};
        int tokens = 12;
        try (QwenCausalLm model = QwenCausalLm.fromConfig(config, 1);
             LoraModel lora = LoraModel.wrap(model, LoraConfig.defaults().r(3).targetModulesAllLinear())) {
            double base = 0;
            for (AdaptableLinear l : model.linearLayers().values()) {
                base += 2.0 * l.inFeatures() * l.outFeatures() * tokens;
            }
            double adapters = 0;
            for (LoraLayer a : lora.adapters().values()) {
                adapters += 2.0 * a.rank() * (a.target().inFeatures() + a.target().outFeatures()) * tokens;
            }
            LoraFlopCount f = LoraFlopCount.allLinear(model.config(), rows, 3, 4);
            assertEquals(base, f.baseLinear(), 0);
            assertEquals(adapters, f.adapters(), 0);
            // 3 layers · 4 heads · 4·(7² + 5²)·d 4
            assertEquals(3 * 4 * 4 * (49 + 25) * 4, f.attention(), 0);
        }
    }
}
