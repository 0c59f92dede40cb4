package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * InternViT's {@code embeddings}: a stride-{@code patch} convolution over the tile ({@code patch_embedding},
 * with bias), the learned {@code class_embedding} prepended, and {@code position_embedding} added, its
 * patch rows resized bicubically when the tile's grid differs from the stored one.
 */
final class InternVitEmbeddings {
    final Parameter classEmbedding;
    final Parameter patchWeight;
    final Parameter patchBias;
    final Parameter positionEmbedding;
    private final int patchSize;
    private final int storedGrid;

    InternVitEmbeddings(Weights w, InternVitConfig c) {
        patchSize = c.patchSize();
        storedGrid = c.storedGridSize();
        // the reference's state-dict order: own parameters first, then the patch_embedding module
        classEmbedding = w.normal("class_embedding", 1, 1, c.hiddenSize());
        positionEmbedding = w.normal("position_embedding", 1, c.numPositions(), c.hiddenSize());
        patchWeight = w.normal("patch_embedding.weight", c.hiddenSize(), 3, c.patchSize(), c.patchSize());
        patchBias = w.zeros("patch_embedding.bias", c.hiddenSize());
    }

    /** {@code [T, 3, S, S]} pixels to {@code [T, 1 + (S/patch)^2, C]}: class token first, patches row-major. */
    NDArray apply(NDArray pixels) {
        long tiles = pixels.getShape().get(0);
        NDArray patches = pixels.getNDArrayInternal().convolution(pixels, patchWeight.getArray(), patchBias.getArray(),
                new Shape(patchSize, patchSize), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        Shape grid = patches.getShape();                             // [T, C, h, w]
        long width = grid.get(1);
        long h = grid.get(2);
        long w = grid.get(3);
        patches = patches.reshape(tiles, width, h * w).transpose(0, 2, 1);
        // zeros in the caller's scope + the parameter: the class tokens live in the scope, not in the model
        NDArray classTokens = pixels.getManager().zeros(new Shape(tiles, 1, width)).add(classEmbedding.getArray());
        NDArray tokens = NDArrays.concat(new NDList(classTokens, patches), 1);
        if (h == storedGrid && w == storedGrid) {
            // the reference's F.interpolate to the same size is the identity (bicubic weights [0, 1, 0, 0])
            return tokens.add(positionEmbedding.getArray());
        }
        NDArray positions = pixels.getManager().zeros(new Shape(1)).add(positionEmbedding.getArray());
        NDArray classPosition = positions.get(":, :1, :");
        NDArray patchPositions = resizePositions(positions.get(":, 1:, :"), storedGrid, h, w);
        return tokens.add(NDArrays.concat(new NDList(classPosition, patchPositions), 1));
    }

    /**
     * The reference's {@code _get_pos_embed}: {@code [1, g*g, C]} row-major positions seen as a
     * {@code [C, g, g]} image, resized to {@code h x w} as PyTorch's {@code F.interpolate(mode='bicubic',
     * align_corners=False)} does in float32, back to {@code [1, h*w, C]}.
     *
     * <p>Our own code because DJL's {@code interpolation} is not that function: its bicubic mode is the
     * antialiased (Pillow-style, A = -0.5) kernel, which gives other numbers even when upsampling. The
     * resize is linear, so it is one matrix product with the Kronecker product of the two 1-D weight
     * matrices ({@code [h*w, g*g]}), differentiable with respect to the positions.
     */
    static NDArray resizePositions(NDArray positions, long grid, long h, long w) {
        float[][] rows = bicubicWeights((int) grid, (int) h);
        float[][] cols = bicubicWeights((int) grid, (int) w);
        float[] kron = new float[Math.toIntExact(h * w * grid * grid)];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                for (int y = 0; y < grid; y++) {
                    for (int x = 0; x < grid; x++) {
                        kron[(int) (((i * w + j) * grid + y) * grid + x)] = rows[i][y] * cols[j][x];
                    }
                }
            }
        }
        NDArray resize;
        // autograd keeps the matrix for backward: copy it into memory PyTorch owns (see mpo4j.engine.Scalar;
        // toType(FLOAT32, true) would not copy a float32 array, DJL asks libtorch for a copy only when the type changes)
        try (NDArray javaBacked = positions.getManager().create(kron, new Shape(h * w, grid * grid))) {
            resize = javaBacked.duplicate();
        }
        return resize.matMul(positions.reshape(grid * grid, positions.getShape().get(2))).expandDims(0);
    }

    /** PyTorch's cubic convolution coefficient ({@code A} in {@code UpSample.h}). */
    private static final float CUBIC_A = -0.75f;

    /**
     * The 1-D weights of {@code upsample_bicubic2d} with {@code align_corners=False}, {@code [out][in]}:
     * output {@code i} reads source coordinate {@code (i + 0.5) * in/out - 0.5} (not clamped, as for
     * cubic), taps {@code floor - 1 .. floor + 2} clamped to the edge (a clamped tap adds its weight to
     * the edge pixel), Keys' kernel with {@code A = -0.75}; computed in float as PyTorch does.
     */
    static float[][] bicubicWeights(int in, int out) {
        float scale = (float) in / out;
        float[][] weights = new float[out][in];
        for (int i = 0; i < out; i++) {
            float real = scale * (i + 0.5f) - 0.5f;
            int floor = (int) Math.floor(real);
            float t = real - floor;
            float[] taps = {cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)};
            for (int k = 0; k < 4; k++) {
                weights[i][Math.min(Math.max(floor - 1 + k, 0), in - 1)] += taps[k];
            }
        }
        return weights;
    }

    /** Keys' kernel for {@code |x| <= 1}: {@code ((A + 2) x - (A + 3)) x^2 + 1}. */
    private static float cubicNear(float x) { return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1; }

    /** Keys' kernel for {@code 1 < |x| < 2}: {@code ((A x - 5A) x + 8A) x - 4A}. */
    private static float cubicFar(float x) { return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A; }
}
