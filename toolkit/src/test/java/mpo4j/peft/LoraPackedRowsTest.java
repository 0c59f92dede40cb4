package mpo4j.peft;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import mpo4j.model.CausalLm;
import mpo4j.model.PrefixPacking;
import mpo4j.model.TinyVlm;
import mpo4j.model.TokenRows;
import org.junit.jupiter.api.Test;

/**
 * A LoRA-wrapped model, adapters on and off (the reference of a LoRA policy), passes packed rows
 * ({@link PrefixPacking}) on to its base: each packed sequence gets the hidden states it has alone.
 */
class LoraPackedRowsTest {

    @Test
    void packedRowsGiveTheUnpackedHiddenStatesWithAdaptersOnAndOff() {
        // first [5 6 7 8], second [5 6 9 10 11]: 2 shared, packed [5 6 7 8 9 10 11], second at positions 2 3 4
        TokenRows plain = new TokenRows(2, 5, new long[] {5, 6, 7, 8, 0, 5, 6, 9, 10, 11}, new int[] {4, 5});
        TokenRows packed = new TokenRows(1, 7, new long[] {5, 6, 7, 8, 9, 10, 11}, new int[] {7},
                new PrefixPacking(new int[] {2}, new int[] {4}));
        // packed position of each plain (row, t): row 0 t -> t; row 1 t < 2 -> t, else t + 4 - 2
        int[][] at = {{0, 1, 2, 3}, {0, 1, 4, 5, 6}};
        try (TinyVlm base = TinyVlm.builder(TinyModels.small().textOnly()).seed(3).build();
             LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().targetModulesRegex(".*"))) {
            TinyModels.trainB(lora, 5);           // adapters that change the output
            for (CausalLm model : new CausalLm[] {lora, lora.withAdaptersDisabled()}) {
                try (NDManager m = model.manager().newSubManager()) {
                    float[] p = model.hidden(plain, null, m).toFloatArray();
                    float[] q = model.hidden(packed, null, m).toFloatArray();
                    int h = p.length / 10;
                    double worst = 0;
                    for (int r = 0; r < 2; r++) {
                        for (int t = 0; t < at[r].length; t++) {
                            for (int i = 0; i < h; i++) {
                                worst = Math.max(worst, Math.abs(p[(r * 5 + t) * h + i] - q[at[r][t] * h + i]));
                            }
                        }
                    }
                    // summation order only: hidden values are O(1) after the final norm (see PackedRowsTest)
                    assertTrue(worst < 1e-4, model + ": max |packed - unpacked| " + worst);
                }
            }
        }
    }
}
