package mpo4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.util.Utils;
import org.junit.jupiter.api.Test;

/** The engine must come up from Maven-shipped natives with the network switched off. */
class EngineOfflineTest {

    @Test
    void pytorchEngineRunsAMatrixProductOffline() {
        Mpo4jEngine.ensureOffline();
        assertTrue(Utils.isOfflineMode(), "DJL offline mode must be on");
        assertEquals("PyTorch", Engine.getInstance().getEngineName());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            NDArray b = m.create(new float[] {5, 6, 7, 8}, new ai.djl.ndarray.types.Shape(2, 2));
            // [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]]
            assertArrayEquals(new float[] {19, 22, 43, 50}, a.matMul(b).toFloatArray());
        }
    }
}
