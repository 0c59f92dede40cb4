package mpo4j.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.Test;

class EntropyTest {
    @Test
    void shannonEntropyPerTokenAndMaskedMean() {
        Mpo4jEngine.ensureOffline();
        try (NDManager m = NDManager.newBaseManager()) {
            double[] p = {0.5, 0.3, 0.15, 0.05};
            double[] logits = new double[8];
            double h = 0;
            for (int v = 0; v < 4; v++) {
                logits[v] = 7.0; // uniform: entropy ln 4
                logits[4 + v] = Math.log(p[v]);
                h -= p[v] * Math.log(p[v]); // 0.34657 + 0.36119 + 0.28457 + 0.14979 = 1.14212
            }
            var entropies = Entropy.fromLogits(m.create(logits, new Shape(1, 2, 4)));
            assertArrayEquals(new double[] {Math.log(4), h}, entropies.toDoubleArray(), 1e-12);
            assertEquals(Math.log(4), Entropy.maskedMean(entropies, m.create(new double[] {1, 0}, new Shape(1, 2))), 1e-12);
        }
    }
}
