package mpo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import mpo4j.model.TinyVlmConfig;
import org.junit.jupiter.api.Test;

/** The analytic count of the benchmark configuration, worked out by hand (see the comments). */
class FlopCountTest {
    /** 8 chosen rows of 24 + 48 + 40 = 112 tokens and 8 rejected rows of 24 + 48 + 32 = 104. */
    static final int[] ROWS = SyntheticPairs.BatchShape.reference().rowLengths(16);

    @Test
    void referenceRowsAre112And104() {
        int[] expected = new int[16];
        Arrays.fill(expected, 0, 8, 112);
        Arrays.fill(expected, 8, 16, 104);
        assertEquals(Arrays.toString(expected), Arrays.toString(ROWS));
    }

    @Test
    void visionTileByHand() {
        // patch embedding 2·64·192·192 = 4,718,592
        // per layer: 2·64·(192·576 + 192·192 + 192·768 + 768·192) = 128·442,368 = 56,623,104
        //            + attention 3 heads · 4·64²·64 = 3,145,728            → ×4 layers = 239,075,328
        // projector 2·16·(768·256 + 256·256) = 8,388,608
        assertEquals(4_718_592 + 239_075_328 + 8_388_608, FlopCount.visionPerTile(TinyVlmConfig.tinyVlm().vision(), 256), 0);
    }

    @Test
    void forwardOfTheBenchmarkBatchByHand() {
        FlopCount f = FlopCount.forward(TinyVlmConfig.tinyVlm(), ROWS, 24);
        // per token and layer: q,k,v,o 4·2·256·256 = 524,288 + SwiGLU 3·2·256·688 = 1,056,768 → 1,581,056; 1728 tokens, 4 layers
        assertEquals(4.0 * 1_581_056 * 1728, f.decoderLinear(), 0);
        assertEquals(10_928_259_072.0, f.decoderLinear(), 0);
        // tied head 2·256·2048 = 1,048,576 per token
        assertEquals(1_811_939_328.0, f.head(), 0);
        // 4 heads·4·L²·64 = 1024·L² per row and layer: 8·(1024·112² + 1024·104²)·4 layers
        assertEquals(4.0 * 8 * 1024 * (112 * 112 + 104 * 104), f.decoderAttention(), 0);
        assertEquals(765_460_480.0, f.decoderAttention(), 0);
        // 24 tiles: 8 pairs × (2 + thumbnail), once per pair
        assertEquals(24.0 * 252_182_528, f.vision(), 0);
        assertEquals(19_558_039_552.0, f.total(), 0);
    }

    @Test
    void stepIsThreeForwardsForThePolicyPlusOneForTheFrozenReference() {
        FlopCount f = FlopCount.forward(TinyVlmConfig.tinyVlm(), ROWS, 24);
        assertEquals(78_232_158_208.0, f.mpoStep(true), 0);
        assertEquals(58_674_118_656.0, f.mpoStep(false), 0);
    }

    @Test
    void groupedQueryAttentionShrinksKeyAndValueProjections() {
        TinyVlmConfig gqa = TinyVlmConfig.tinyVlm().withText(TinyVlmConfig.tinyVlm().text().withNumKeyValueHeads(2));
        // q and o 2·256·256 each, k and v 2·256·128 each: 393,216; + SwiGLU 1,056,768 = 1,449,984 per token and layer
        assertEquals(4.0 * 1_449_984 * 10, FlopCount.forward(gqa, new int[] {10}, 0).decoderLinear(), 0);
    }

    @Test
    void textOnlyModelHasNoVisionFlops() {
        FlopCount f = FlopCount.forward(TinyVlmConfig.tinyVlm().textOnly(), new int[] {5, 3}, 6);
        assertEquals(0, f.vision(), 0);
        assertEquals(1_048_576.0 * 8, f.head(), 0);
        assertEquals(4.0 * 4 * 4 * 64 * (25 + 9), f.decoderAttention(), 0);
    }
}
