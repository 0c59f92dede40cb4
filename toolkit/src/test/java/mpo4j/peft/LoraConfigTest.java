package mpo4j.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoraConfigTest {

    @Test
    void defaultsArePefts() {
        LoraConfig c = LoraConfig.defaults();
        assertEquals(8, c.r());
        assertEquals(8.0, c.loraAlpha());
        assertEquals(0.0, c.loraDropout());
        // PEFT's preset for model_type qwen2 (target_modules=None)
        assertEquals(List.of("q_proj", "v_proj"), c.targetModules().orElseThrow());
        assertEquals("none", c.bias());
        assertFalse(c.useRslora());
        assertTrue(c.modulesToSave().isEmpty());
        assertEquals(1.0, c.scaling());
    }

    @Test
    void scalingIsAlphaOverROrOverSqrtRWithRslora() {
        LoraConfig c = LoraConfig.defaults().r(4).loraAlpha(8);
        assertEquals(2.0, c.scaling());                       // 8 / 4
        assertEquals(4.0, c.useRslora(true).scaling());       // 8 / sqrt(4)
        assertEquals(2.0, c.scaling(), "copies leave the original unchanged");
    }

    /** PEFT's own cases from tests/test_tuners_utils.py (key, target_modules, expected), without layer filters. */
    @Test
    void targetMatchingFollowsPeft() {
        Object[][] cases = {
            {"", List.of("foo"), false},
            {"foo", List.of("foo"), true},
            {"foo", List.of("bar"), false},
            {"foo", List.of("foo", "bar"), true},
            {"foo", "foo", true},
            {"foo", ".*oo", true},
            {"foo", "fo.*", true},
            {"foo", ".*bar.*", false},
            {"foobar", ".*oba.*", true},
            {"foo.bar.1.baz", List.of("baz"), true},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            LoraConfig config = c[1] instanceof String regex ? LoraConfig.defaults().targetModulesRegex(regex)
                    : LoraConfig.defaults().targetModules((List<String>) c[1]);
            assertEquals(c[2], config.isTarget((String) c[0]), c[0] + " vs " + c[1]);
        }
        LoraConfig names = LoraConfig.defaults().targetModules("q_proj", "self_attn.v_proj");
        assertTrue(names.isTarget("model.layers.0.self_attn.q_proj"));
        assertTrue(names.isTarget("model.layers.3.self_attn.v_proj"));
        assertFalse(names.isTarget("model.layers.0.self_attn.xq_proj"), "suffix must start at a dot");
        assertFalse(names.isTarget("model.layers.0.self_attn.q_proj_extra"));
        // a string is a regex that must match the WHOLE name: "q_proj" alone matches no nested module
        assertFalse(LoraConfig.defaults().targetModulesRegex("q_proj").isTarget("model.layers.0.self_attn.q_proj"));
        LoraConfig layer1 = LoraConfig.defaults().targetModulesRegex("model\\.layers\\.1\\..*_proj");
        assertTrue(layer1.isTarget("model.layers.1.mlp.down_proj"));
        assertFalse(layer1.isTarget("model.layers.0.mlp.down_proj"));
        assertFalse(layer1.isTarget("model.layers.11.mlp.down_proj"));
        // "all-linear": everything but the output head
        LoraConfig all = LoraConfig.defaults().targetModulesAllLinear();
        assertTrue(all.isTarget("vision_model.encoder.layers.0.mlp.fc1"));
        assertTrue(all.isTarget("mlp1.3"));
        assertFalse(all.isTarget("lm_head"));
        assertFalse(all.isTarget("language_model.lm_head"));
    }

    @Test
    void freezeSwitchesSelectParts() {
        LoraConfig frozen = LoraConfig.defaults();
        for (String name : List.of("vision_model.encoder.layers.0.attn.qkv.weight", "mlp1.1.weight", "model.norm.weight",
                "language_model.lm_head.weight")) {
            assertFalse(frozen.isTrainableBase(name), name);
        }
        assertTrue(frozen.freezeBackbone(false).isTrainableBase("vision_model.embeddings.patch_embedding.weight"));
        assertFalse(frozen.freezeBackbone(false).isTrainableBase("mlp1.0.weight"));
        assertTrue(frozen.freezeMlp(false).isTrainableBase("mlp1.0.bias"));
        assertFalse(frozen.freezeMlp(false).isTrainableBase("model.embed_tokens.weight"));
        assertTrue(frozen.freezeLlm(false).isTrainableBase("model.embed_tokens.weight"));
        assertTrue(frozen.freezeLlm(false).isTrainableBase("language_model.model.layers.0.mlp.up_proj.weight"));
        assertFalse(frozen.freezeLlm(false).isTrainableBase("vision_model.post_layernorm.weight"));
        LoraConfig save = frozen.modulesToSave("norm", "mlp1");
        assertTrue(save.isTrainableBase("model.norm.weight"));
        assertTrue(save.isTrainableBase("mlp1.3.bias"), "parameters of a child of a saved module train too");
        assertFalse(save.isTrainableBase("model.layers.0.input_layernorm.weight"), "suffix must start at a dot");
    }

    @Test
    void badSettingsNameTheFieldAndTheValue() {
        LoraConfig c = LoraConfig.defaults();
        assertEquals("r must be a positive integer, got 0", assertThrows(IllegalArgumentException.class, () -> c.r(0)).getMessage());
        assertEquals("lora_dropout must be in [0, 1), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> c.loraDropout(1.0)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.bias("all")).getMessage()
                .startsWith("bias must be \"none\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.targetModulesRegex("q_proj(")).getMessage()
                .startsWith("target_modules is not a valid regular expression: q_proj("));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.targetModules(List.of())).getMessage()
                .startsWith("target_modules must name at least one module"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.loraAlpha(Double.NaN)).getMessage()
                .startsWith("lora_alpha must be a finite number, got NaN"));
    }
}
