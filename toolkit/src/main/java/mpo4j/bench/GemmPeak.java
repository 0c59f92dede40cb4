package mpo4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The in-process float32 matrix-product peak of the engine: the best rate over a few square products
 * of each size, so MFU is measured against what this machine and this libtorch actually reach (not a
 * data-sheet number).
 */
public final class GemmPeak {
    private GemmPeak() {}

    /** Best GFLOP/s ({@code 2n³} per product) over {@code repeats} timed products per size, after one untimed one. */
    public static double measure(NDManager parent, int[] sizes, int repeats) {
        double best = 0;
        for (int n : sizes) {
            try (NDManager scope = parent.newSubManager()) {
                NDArray a = scope.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32);
                NDArray b = scope.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32);
                for (int r = 0; r <= repeats; r++) {
                    long t0 = System.nanoTime();
                    NDArray c = a.matMul(b);   // the CPU engine is synchronous: the product is done on return
                    long ns = System.nanoTime() - t0;
                    c.close();
                    if (r > 0) {
                        best = Math.max(best, 2.0 * n * n * n / ns);
                    }
                }
            }
        }
        return best;
    }
}
