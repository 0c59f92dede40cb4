package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The decoder shape: RoPE frequencies (plain and dynamic NTK) by hand, and eager validation messages. */
class DecoderConfigTest {
    private static final DecoderConfig SMALL = DecoderConfig.qwen2(32, 8, 1, 2, 1, 16, true).maxPositionEmbeddings(4);

    @Test
    void plainFrequenciesAreThetaToTheMinusTwoIOverD() {
        // head_dim 8 / 2 heads = 4, theta 1e4: [1e4^0, 1e4^(-2/4)] = [1, 0.01]
        assertEquals(4, SMALL.headDim());
        assertArrayEquals(new double[] {1, 0.01}, SMALL.inverseFrequencies(3), 1e-15);
        // without rope_scaling the length never matters
        assertArrayEquals(new double[] {1, 0.01}, SMALL.inverseFrequencies(1000), 1e-15);
    }

    @Test
    void dynamicNtkGrowsTheBaseOnlyBeyondMaxPositionEmbeddings() {
        DecoderConfig dynamic = SMALL.ropeScaling(new DecoderConfig.RopeScaling(2));
        // up to max_position_embeddings = 4: unchanged
        assertArrayEquals(new double[] {1, 0.01}, dynamic.inverseFrequencies(4), 1e-15);
        // 8 positions: base = 1e4 * (2 * 8 / 4 - (2 - 1))^(4 / (4 - 2)) = 1e4 * 3^2 = 9e4; 9e4^(-1/2) = 1/300
        assertArrayEquals(new double[] {1, 1.0 / 300}, dynamic.inverseFrequencies(8), 1e-15);
        assertEquals("dynamic", dynamic.ropeScaling().ropeType());
    }

    @Test
    void copiesValidateEagerlyNamingTheField() {
        assertEquals("head_dim must be a positive even number (RoPE rotates pairs), got 3",
                assertThrows(IllegalArgumentException.class, () -> SMALL.headDim(3)).getMessage());
        assertEquals("num_attention_heads (2) must be a multiple of num_key_value_heads, got 3",
                assertThrows(IllegalArgumentException.class, () -> SMALL.numKeyValueHeads(3)).getMessage());
        assertEquals("rms_norm_eps must be > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> SMALL.rmsNormEps(0)).getMessage());
        assertEquals("vocab_size must be > 0, got 0",
                assertThrows(IllegalArgumentException.class, () -> SMALL.vocabSize(0)).getMessage());
        assertEquals("rope_scaling.factor must be >= 1, got 0.5",
                assertThrows(IllegalArgumentException.class, () -> new DecoderConfig.RopeScaling(0.5)).getMessage());
        assertEquals("hidden_size (10) must be a multiple of num_attention_heads, got 4 (or set head_dim explicitly)",
                assertThrows(IllegalArgumentException.class, () -> DecoderConfig.qwen2(32, 10, 1, 4, 1, 16, true)).getMessage());
        // a copy changes only its own field
        assertEquals(SMALL, SMALL.qkNorm(true).qkNorm(false));
        assertEquals(2, SMALL.numKeyValueHeads(2).groups() * 2);
    }

    @Test
    void tinyVlmTextMapsOntoTheQwen2Form() {
        DecoderConfig c = TinyVlmConfig.Text.tiny().decoderConfig();
        assertEquals(new DecoderConfig(2048, 256, 4, 4, 4, 64, 688, 1e-6, 10000, true, false, false, true, 32768, null), c);
    }
}
