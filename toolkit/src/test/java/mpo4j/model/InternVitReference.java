package mpo4j.model;

import ai.djl.nn.Parameter;
import java.util.HashMap;
import java.util.Map;

/**
 * A slow, plain-Java double-precision transcription of the reference code's {@code extract_feature}
 * (InternVL's {@code modeling_intern_vit.py} and {@code modeling_internvl_chat.py}), loop by loop, to
 * check {@link InternVit} against: every step written from the reference's formulas, no DJL, no reshape
 * tricks (the pixel shuffle uses the index arithmetic derived from the reference's views).
 */
final class InternVitReference {
    private final InternVitConfig c;
    private final Map<String, float[]> w = new HashMap<>();

    InternVitReference(InternVit vit) {
        c = vit.config();
        for (Map.Entry<String, Parameter> e : vit.parameters().entrySet()) {
            w.put(e.getKey(), e.getValue().getArray().toFloatArray());
        }
    }

    private InternVitReference(InternVitConfig c, Map<String, float[]> weights) {
        this.c = c;
        w.putAll(weights);
    }

    /** A copy with element {@code index} of parameter {@code name} moved by {@code delta}. */
    InternVitReference perturbed(String name, int index, float delta) {
        InternVitReference copy = new InternVitReference(c, w);
        float[] changed = p(name).clone();
        changed[index] += delta;
        copy.w.put(name, changed);
        return copy;
    }

    private float[] p(String name) {
        float[] v = w.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return v;
    }

    /** Hidden state {@code layers} (0 = embeddings) without the class token, per tile: {@code [T][N][C]}. */
    double[][][] features(float[] pixels, int tiles, int size, int layers) {
        double[][][] out = new double[tiles][][];
        for (int t = 0; t < tiles; t++) {
            double[][] x = embed(pixels, t, size);
            for (int l = 0; l < layers; l++) {
                x = layer(x, "vision_model.encoder.layers." + l + ".");
            }
            double[][] noClass = new double[x.length - 1][];
            System.arraycopy(x, 1, noClass, 0, noClass.length);
            out[t] = noClass;
        }
        return out;
    }

    /** {@code extract_feature}: features of {@code select_layer}, pixel shuffle, mlp1. */
    double[][][] encode(float[] pixels, int tiles, int size) {
        double[][][] f = features(pixels, tiles, size, c.layersUsed());
        double[][][] out = new double[tiles][][];
        for (int t = 0; t < tiles; t++) {
            double[][] shuffled = pixelShuffle(f[t], c.shuffleFactor(), c.psVersion());
            out[t] = new double[shuffled.length][];
            for (int i = 0; i < shuffled.length; i++) {
                double[] h = layerNorm(shuffled[i], p("mlp1.0.weight"), p("mlp1.0.bias"), 1e-5);
                h = linear(h, p("mlp1.1.weight"), p("mlp1.1.bias"));
                for (int k = 0; k < h.length; k++) {
                    h[k] = gelu(h[k]);
                }
                out[t][i] = linear(h, p("mlp1.3.weight"), p("mlp1.3.bias"));
            }
        }
        return out;
    }

    private double[][] embed(float[] pixels, int t, int size) {
        int patch = c.patchSize();
        int width = c.hiddenSize();
        int grid = size / patch;
        float[] kernel = p("vision_model.embeddings.patch_embedding.weight");   // [C, 3, p, p]
        float[] bias = p("vision_model.embeddings.patch_embedding.bias");
        float[] cls = p("vision_model.embeddings.class_embedding");
        float[] pos = p("vision_model.embeddings.position_embedding");          // [1, 1 + g0*g0, C]
        double[][] patchPositions = positions(pos, grid);
        double[][] x = new double[1 + grid * grid][width];
        for (int ch = 0; ch < width; ch++) {
            x[0][ch] = cls[ch] + pos[ch];
        }
        for (int pr = 0; pr < grid; pr++) {
            for (int pc = 0; pc < grid; pc++) {
                int token = 1 + pr * grid + pc;                               // row-major patches
                for (int ch = 0; ch < width; ch++) {
                    double sum = bias[ch];
                    for (int in = 0; in < 3; in++) {
                        for (int ky = 0; ky < patch; ky++) {
                            for (int kx = 0; kx < patch; kx++) {
                                float px = pixels[((t * 3 + in) * size + pr * patch + ky) * size + pc * patch + kx];
                                sum += kernel[((ch * 3 + in) * patch + ky) * patch + kx] * (double) px;
                            }
                        }
                    }
                    x[token][ch] = sum + patchPositions[pr * grid + pc][ch];
                }
            }
        }
        return x;
    }

    /** The patch rows of {@code position_embedding} for a {@code grid x grid} tile, resized when needed. */
    private double[][] positions(float[] pos, int grid) {
        int stored = c.storedGridSize();
        int width = c.hiddenSize();
        double[][] out = new double[grid * grid][width];
        for (int ch = 0; ch < width; ch++) {
            double[][] image = new double[stored][stored];
            for (int i = 0; i < stored * stored; i++) {
                image[i / stored][i % stored] = pos[(1 + i) * width + ch];
            }
            double[][] resized = grid == stored ? image : bicubic(image, grid, grid);
            for (int i = 0; i < grid * grid; i++) {
                out[i][ch] = resized[i / grid][i % grid];
            }
        }
        return out;
    }

    private double[][] layer(double[][] x, String prefix) {
        int n = x.length;
        int width = c.hiddenSize();
        int heads = c.numAttentionHeads();
        int d = width / heads;
        boolean ln = InternVitConfig.LAYER_NORM.equals(c.normType());
        double eps = c.layerNormEps();
        double[][] q = new double[n][];
        double[][] k = new double[n][];
        double[][] v = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] h = ln ? layerNorm(x[i], p(prefix + "norm1.weight"), p(prefix + "norm1.bias"), eps)
                    : rmsNorm(x[i], p(prefix + "norm1.weight"), eps);
            double[] qkv = linear(h, p(prefix + "attn.qkv.weight"), c.qkvBias() ? p(prefix + "attn.qkv.bias") : null);
            q[i] = slice(qkv, 0, width);
            k[i] = slice(qkv, width, 2 * width);
            v[i] = slice(qkv, 2 * width, 3 * width);
            if (c.qkNormalization()) {
                q[i] = rmsNorm(q[i], p(prefix + "attn.q_norm.weight"), eps);
                k[i] = rmsNorm(k[i], p(prefix + "attn.k_norm.weight"), eps);
            }
        }
        double[][] attended = new double[n][width];
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < n; i++) {
                double[] scores = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int e = head * d; e < (head + 1) * d; e++) {
                        dot += q[i][e] * k[j][e];
                    }
                    scores[j] = dot / Math.sqrt(d);
                    max = Math.max(max, scores[j]);
                }
                double total = 0;
                for (int j = 0; j < n; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    total += scores[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int e = head * d; e < (head + 1) * d; e++) {
                        attended[i][e] += scores[j] / total * v[j][e];
                    }
                }
            }
        }
        float[] ls1 = p(prefix + "ls1");
        float[] ls2 = p(prefix + "ls2");
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] a = linear(attended[i], p(prefix + "attn.proj.weight"), p(prefix + "attn.proj.bias"));
            double[] h = new double[width];
            for (int e = 0; e < width; e++) {
                h[e] = x[i][e] + ls1[e] * a[e];
            }
            double[] m = ln ? layerNorm(h, p(prefix + "norm2.weight"), p(prefix + "norm2.bias"), eps)
                    : rmsNorm(h, p(prefix + "norm2.weight"), eps);
            m = linear(m, p(prefix + "mlp.fc1.weight"), p(prefix + "mlp.fc1.bias"));
            for (int e = 0; e < m.length; e++) {
                m[e] = gelu(m[e]);
            }
            m = linear(m, p(prefix + "mlp.fc2.weight"), p(prefix + "mlp.fc2.bias"));
            for (int e = 0; e < width; e++) {
                h[e] += ls2[e] * m[e];
            }
            out[i] = h;
        }
        return out;
    }

    /**
     * The reference's views and permutes written as index arithmetic, with {@code f = 1/r}: view
     * {@code (n, g, g/f, fC)} gives {@code y1[a][b'][k] = x[a][f b' + k / C][k mod C]}; permute gives
     * {@code y2[b'][a][k] = y1[a][b'][k]}; view {@code (n, g/f, g/f, f^2 C)} gives
     * {@code y3[b'][a'][m] = y2[b'][f a' + m / (fC)][m mod fC]}; v2 permutes back,
     * {@code out[a'][b'] = y3[b'][a']}, so {@code out[i][j][m] = x[f i + m/(fC)][f j + (m mod fC)/C][m mod C]};
     * v1 keeps {@code y3}: token {@code (p, q)} holds what v2 puts at {@code (q, p)}.
     */
    static double[][] pixelShuffle(double[][] tokens, int f, String version) {
        int g = (int) Math.round(Math.sqrt(tokens.length));
        int width = tokens[0].length;
        int gs = g / f;
        double[][] out = new double[gs * gs][f * f * width];
        for (int i = 0; i < gs; i++) {
            for (int j = 0; j < gs; j++) {
                int at = "v1".equals(version) ? j * gs + i : i * gs + j;
                for (int m = 0; m < f * f * width; m++) {
                    int row = f * i + m / (f * width);
                    int col = f * j + (m % (f * width)) / width;
                    out[at][m] = tokens[row * g + col][m % width];
                }
            }
        }
        return out;
    }

    /**
     * PyTorch's {@code upsample_bicubic2d} with {@code align_corners=False}: source coordinate
     * {@code (dst + 0.5) * in/out - 0.5} (not clamped for cubic), taps at {@code floor - 1 .. floor + 2}
     * clamped to the edge, Keys' cubic with {@code A = -0.75}; separable.
     */
    static double[][] bicubic(double[][] in, int outH, int outW) {
        int inH = in.length;
        int inW = in[0].length;
        double[][] rows = new double[inH][outW];
        for (int y = 0; y < inH; y++) {
            for (int x = 0; x < outW; x++) {
                rows[y][x] = cubicAt(in[y], (x + 0.5) * inW / outW - 0.5);
            }
        }
        double[][] out = new double[outH][outW];
        for (int x = 0; x < outW; x++) {
            double[] column = new double[inH];
            for (int y = 0; y < inH; y++) {
                column[y] = rows[y][x];
            }
            for (int y = 0; y < outH; y++) {
                out[y][x] = cubicAt(column, (y + 0.5) * inH / outH - 0.5);
            }
        }
        return out;
    }

    private static double cubicAt(double[] line, double real) {
        int floor = (int) Math.floor(real);
        double t = real - floor;
        double[] weights = {cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)};
        double sum = 0;
        for (int tap = 0; tap < 4; tap++) {
            int at = Math.min(Math.max(floor - 1 + tap, 0), line.length - 1);
            sum += weights[tap] * line[at];
        }
        return sum;
    }

    private static final double A = -0.75;

    /** Keys' kernel for |x| <= 1: {@code ((A + 2) x - (A + 3)) x^2 + 1}. */
    private static double cubicNear(double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; }

    /** Keys' kernel for 1 < |x| < 2: {@code ((A x - 5A) x + 8A) x - 4A}. */
    private static double cubicFar(double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; }

    static double[] linear(double[] x, float[] weight, float[] bias) {
        int out = weight.length / x.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = bias == null ? 0 : bias[o];
            for (int i = 0; i < x.length; i++) {
                sum += weight[o * x.length + i] * x[i];
            }
            y[o] = sum;
        }
        return y;
    }

    static double[] layerNorm(double[] x, float[] weight, float[] bias, double eps) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean) / x.length;
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) / Math.sqrt(var + eps) * weight[i] + bias[i];
        }
        return y;
    }

    static double[] rmsNorm(double[] x, float[] weight, double eps) {
        double meanSquare = 0;
        for (double v : x) {
            meanSquare += v * v / x.length;
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = weight[i] * x[i] / Math.sqrt(meanSquare + eps);
        }
        return y;
    }

    /** Exact GELU, {@code x * Phi(x) = x/2 (1 + erf(x / sqrt 2))}. */
    static double gelu(double x) { return 0.5 * x * (1 + erf(x / Math.sqrt(2))); }

    /** erf by its Maclaurin series (|x| < 3 here: the terms fall below 1e-17 long before 80). */
    static double erf(double x) {
        if (Math.abs(x) > 3) {
            throw new IllegalArgumentException("erf series used outside its range: " + x);
        }
        double term = x;
        double sum = x;
        for (int n = 1; n < 80; n++) {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static double[] slice(double[] x, int from, int to) {
        double[] y = new double[to - from];
        System.arraycopy(x, from, y, 0, y.length);
        return y;
    }
}
