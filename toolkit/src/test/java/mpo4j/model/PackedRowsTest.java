package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import mpo4j.model.QwenCheckpoints.Dims;
import mpo4j.hf.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows packing two sequences that share a prefix ({@link PrefixPacking}): positions and mask of a
 * hand-built example element by element, and the hidden states of packed rows against the same
 * sequences run one per row (the slower, plainly exact computation) for every decoder-based model.
 */
class PackedRowsTest {
    @TempDir
    Path tmp;

    /**
     * Row 0: first [1 2 3 4 5], second [1 2 3 7]: 3 shared, packed [1 2 3 4 5 7], positions 0 1 2 3 4 3.
     * Row 1: first [1 9], second [8 8 8]: nothing shared, packed [1 9 8 8 8 pad], positions 0 1 0 1 2 (3).
     */
    private static TokenRows handBuilt() {
        long[] ids = {1, 2, 3, 4, 5, 7, 1, 9, 8, 8, 8, 0};
        return new TokenRows(2, 6, ids, new int[] {6, 5}, new PrefixPacking(new int[] {3, 0}, new int[] {5, 2}));
    }

    @Test
    void handBuiltPositionsAndMaskElementByElement() {
        TokenRows rows = handBuilt();
        int[][] positions = {{0, 1, 2, 3, 4, 3}, {0, 1, 0, 1, 2, 3}};
        // 1 = the query (row) sees the key (column). Row 0: token 7 (position 3 of the second sequence) sees the
        // shared 1 2 3 and itself, not the first sequence's 4 5. Row 1: nothing shared, so the second sequence
        // sees only its own tokens; the padding query (last line) sees what a second-sequence query would.
        int[][][] sees = {
            {{1, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {1, 1, 1, 0, 0, 0}, {1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 0}, {1, 1, 1, 0, 0, 1}},
            {{1, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {0, 0, 1, 0, 0, 0}, {0, 0, 1, 1, 0, 0}, {0, 0, 1, 1, 1, 0}, {0, 0, 1, 1, 1, 1}}};
        DecoderConfig config = TinyVlmConfig.tinyVlm().text().decoderConfig();
        try (NDManager m = NDManager.newBaseManager()) {
            float[] mask = Decoder.packedMask(rows, m).toFloatArray();
            assertEquals(2 * 6 * 6, mask.length);
            Decoder.Rotary rotary = new Decoder.Rotary(m, rows, config);
            assertEquals(new Shape(2, 6, config.headDim()), rotary.cos.getShape());
            float[] cos = rotary.cos.toFloatArray();
            float[] sin = rotary.signedSin.toFloatArray();
            // the tables' frequencies: this length (6) is far below max_position_embeddings, so plain theta^(-2i/d)
            int d = config.headDim();
            for (int r = 0; r < 2; r++) {
                for (int q = 0; q < 6; q++) {
                    assertEquals(positions[r][q], rows.packing().position(r, q), "position " + r + "," + q);
                    for (int k = 0; k < 6; k++) {
                        assertEquals(sees[r][q][k] == 1 ? 0f : Decoder.MASKED, mask[(r * 6 + q) * 6 + k], "mask " + r + "," + q + "," + k);
                        assertEquals(sees[r][q][k] == 1, rows.packing().sees(r, q, k));
                    }
                    for (int i = 0; i < d / 2; i++) {
                        double angle = positions[r][q] / Math.pow(config.ropeTheta(), 2.0 * i / d);
                        int at = (r * 6 + q) * d + i;
                        assertEquals((float) Math.cos(angle), cos[at], 1e-7f);
                        assertEquals((float) Math.cos(angle), cos[at + d / 2], 1e-7f);
                        assertEquals((float) -Math.sin(angle), sin[at], 1e-7f);
                        assertEquals((float) Math.sin(angle), sin[at + d / 2], 1e-7f);
                    }
                }
            }
        }
    }

    @Test
    void inconsistentPackingIsRejectedNamingTheRow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PrefixPacking(new int[] {2, 4}, new int[] {3, 3}));
        assertEquals("prefix packing row 1: shared 4 must be in [0, secondStart 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenRows(1, 4, new long[4], new int[] {3},
                new PrefixPacking(new int[] {1}, new int[] {4})));
        assertEquals("packed row 0: second sequence starts at 4, past the row's 3 real tokens", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenRows(1, 4, new long[4], new int[] {3},
                new PrefixPacking(new int[] {1, 1}, new int[] {2, 2})));
        assertEquals("packing describes 2 rows but there are 1", e.getMessage());
    }

    // ------------------------------------------------------------------------------------ packed = unpacked

    /** Pairs of sequences packed two per row (padding id 0): the longest common prefix is computed here. */
    static TokenRows pack(List<long[]> first, List<long[]> second) {
        int n = first.size();
        int[] shared = new int[n];
        int[] starts = new int[n];
        int[] lengths = new int[n];
        for (int r = 0; r < n; r++) {
            long[] a = first.get(r);
            long[] b = second.get(r);
            while (shared[r] < Math.min(a.length, b.length) && a[shared[r]] == b[shared[r]]) {
                shared[r]++;
            }
            starts[r] = a.length;
            lengths[r] = a.length + b.length - shared[r];
        }
        int width = Arrays.stream(lengths).max().orElse(0) + 1;      // one padding position more than needed
        long[] ids = new long[n * width];
        for (int r = 0; r < n; r++) {
            System.arraycopy(first.get(r), 0, ids, r * width, starts[r]);
            System.arraycopy(second.get(r), shared[r], ids, r * width + starts[r], second.get(r).length - shared[r]);
        }
        return new TokenRows(n, width, ids, lengths, new PrefixPacking(shared, starts));
    }

    /** All sequences one per row, right-padded with id 0. */
    static TokenRows plain(List<long[]> sequences) {
        int width = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        long[] ids = new long[sequences.size() * width];
        int[] lengths = new int[sequences.size()];
        for (int r = 0; r < sequences.size(); r++) {
            System.arraycopy(sequences.get(r), 0, ids, r * width, sequences.get(r).length);
            lengths[r] = sequences.get(r).length;
        }
        return new TokenRows(sequences.size(), width, ids, lengths);
    }

    /**
     * The largest difference between each sequence's hidden states computed packed and computed alone
     * (first sequences are rows {@code 0..n-1} of the plain run, second ones rows {@code n..2n-1}).
     */
    static double maxPackedDifference(CausalLm model, List<long[]> first, List<long[]> second, ImageInputs plainImages,
                                      ImageInputs packedImages, NDManager m) {
        List<long[]> all = new ArrayList<>(first);
        all.addAll(second);
        TokenRows plainRows = plain(all);
        TokenRows packedRows = pack(first, second);
        NDArray plainStates = model.hidden(plainRows, plainImages, m);
        NDArray packedStates = model.hidden(packedRows, packedImages, m);
        long h = plainStates.getShape().get(2);
        float[] plainValues = plainStates.toFloatArray();
        float[] packedValues = packedStates.toFloatArray();
        double worst = 0;
        int n = first.size();
        for (int r = 0; r < 2 * n; r++) {
            int pr = r % n;
            for (int t = 0; t < all.get(r).length; t++) {
                int shared = packedRows.packing().shared()[pr];
                // a second sequence's shared prefix is the first's; its own tokens follow the first sequence
                int packedT = r < n || t < shared ? t : t + packedRows.packing().secondStart()[pr] - shared;
                for (int i = 0; i < h; i++) {
                    double a = plainValues[(int) ((r * (long) plainRows.length() + t) * h + i)];
                    double b = packedValues[(int) ((pr * (long) packedRows.length() + packedT) * h + i)];
                    worst = Math.max(worst, Math.abs(a - b));
                }
            }
        }
        return worst;
    }

    private static long[] seq(long... ids) { return ids; }

    private static long[] random(Random r, int n) { return LongStream.range(0, n).map(i -> 10 + r.nextInt(60)).toArray(); }

    private static long[] concat(long[]... parts) {
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }

    /**
     * Tolerance: the same sums in another order. Each hidden value is O(1) after the final RMSNorm (its
     * weight 1); float32 rounding of sums over a few dozen keys and 64..688 features per layer stays near
     * 1e-6 relative, and masked keys contribute exactly 0 (exp(-1e9) underflows), so 1e-4 leaves a wide
     * margin while any wrong position, mask or image token moves values by O(0.1).
     */
    private static final double TOLERANCE = 1e-4;

    @Test
    void textOnlyTinyModelGivesEverySequenceItsUnpackedHiddenStates() {
        Random r = new Random(5);
        long[] promptA = random(r, 9);
        long[] promptB = random(r, 4);
        // pair 0: completions share two leading tokens; pair 1: they differ at once; pair 2: identical rows
        // (nothing of the second left); pair 3: no common token at all (different first tokens)
        List<long[]> first = List.of(concat(promptA, seq(3, 4, 5, 6)), concat(promptB, seq(7)), concat(promptB, seq(5, 5)), seq(20, 21, 22));
        List<long[]> second = List.of(concat(promptA, seq(3, 4, 9)), concat(promptB, seq(8, 8, 8, 8, 8)), concat(promptB, seq(5, 5)),
                seq(30, 31));
        try (TinyVlm model = TinyVlm.builder(TestBatches.small().textOnly()).seed(3).build(); NDManager m = model.manager().newSubManager()) {
            double diff = maxPackedDifference(model, first, second, null, null, m);
            System.out.printf("text-only TinyVlm: max |packed - unpacked| hidden %.3g%n", diff);
            assertTrue(diff < TOLERANCE, "max |packed - unpacked| " + diff);
            // incremental decoding has no packed form: it says so instead of decoding the row as one sequence
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.decode(pack(first, second), new int[4], null, model.newCache(m), m));
            assertTrue(e.getMessage().startsWith("incremental decoding takes one sequence per row, but the rows are packed"), e.getMessage());
        }
    }

    @Test
    void qwen3CheckpointWithQkNormAndGroupedKeysGivesTheUnpackedHiddenStates() throws IOException {
        Path dir = QwenCheckpoints.write(tmp.resolve("q3"), QwenCheckpoints.qwen3Config(Dims.qwen3(), "float32"),
                QwenCheckpoints.randomWeights(Dims.qwen3(), true, 2), SafetensorsWriter.defaults());
        Random r = new Random(6);
        long[] prompt = random(r, 7);
        List<long[]> first = List.of(concat(prompt, seq(1, 2, 3)), concat(seq(4), prompt));
        List<long[]> second = List.of(concat(prompt, seq(1, 5)), concat(seq(4), prompt, seq(8, 9, 10, 11)));
        try (CausalLm model = ModelLoader.load(dir.toString()); NDManager m = model.manager().newSubManager()) {
            assertTrue(model instanceof QwenCausalLm);
            double diff = maxPackedDifference(model, first, second, null, null, m);
            assertTrue(diff < TOLERANCE, "max |packed - unpacked| " + diff);
        }
    }

    /**
     * With images: pair 0 shares its prompt (image included) as a preference pair does; in pair 1 the
     * sequences differ before the image, so the second sequence's own part holds the image tokens again and
     * the packed row has two runs of them, both filled from the row's one tile.
     */
    @Test
    void tinyVlmFillsBothSequencesImageTokensFromTheRowsTiles() {
        TinyVlmConfig config = TestBatches.small();
        TokenIds ids = config.tokens();
        long[] image = concat(seq(ids.imgStart()), LongStream.generate(ids::imgContext).limit(config.tokensPerTile()).toArray(),
                seq(ids.imgEnd()));
        Random r = new Random(7);
        long[] question = random(r, 5);
        List<long[]> first = List.of(concat(image, question, seq(11, 12, 13)), concat(seq(40), image, seq(41)));
        List<long[]> second = List.of(concat(image, question, seq(11, 14)), concat(seq(50, 51), image, seq(52, 53, 54)));
        try (TinyVlm model = TinyVlm.builder(config).seed(4).build(); NDManager m = model.manager().newSubManager()) {
            int size = config.vision().tileSize();
            float[] pixels = new float[2 * 3 * size * size];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) r.nextGaussian();
            }
            NDArray tiles = m.create(pixels, new Shape(2, 3, size, size));
            ImageInputs plainImages = ImageInputs.of(tiles, new int[] {0, 1, 2}, new int[] {0, 1, 0, 1});
            ImageInputs packedImages = ImageInputs.of(tiles, new int[] {0, 1, 2}, new int[] {0, 1});
            double diff = maxPackedDifference(model, first, second, plainImages, packedImages, m);
            assertTrue(diff < TOLERANCE, "max |packed - unpacked| " + diff);

            // a packed row whose first sequence lacks its image tokens is named
            TokenRows broken = pack(List.of(concat(question, seq(1))), List.of(concat(image, seq(2))));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.hidden(broken, ImageInputs.of(tiles.get("0:1"), new int[] {0, 1}, new int[] {0}), m));
            assertEquals("first sequence of packed row 0 has 0 <IMG_CONTEXT> tokens but its 1 image tiles need "
                    + config.tokensPerTile(), e.getMessage());
        }
    }
}
