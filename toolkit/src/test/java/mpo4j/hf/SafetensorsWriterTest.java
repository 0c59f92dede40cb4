package mpo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        Mpo4jEngine.ensureOffline();
    }

    @Test
    void bf16RoundsToNearestEvenLikeTorch() {
        // bf16 keeps 7 mantissa bits: around 1.0 the step is 2^-7.
        assertEquals(0x3F80, HalfFloats.floatToBf16(1f + 0x1p-8f) & 0xFFFF);              // tie 1 | 1+2^-7: even (1.0)
        assertEquals(0x3F82, HalfFloats.floatToBf16(1f + 3 * 0x1p-8f) & 0xFFFF);          // tie 1+2^-7 | 1+2^-6: even (1+2^-6)
        assertEquals(0x3F81, HalfFloats.floatToBf16(1f + 0x1p-8f + 0x1p-20f) & 0xFFFF);   // just above the tie: up
        assertEquals(0x7FC0, HalfFloats.floatToBf16(Float.NaN) & 0xFFFF);                   // c10's quiet NaN
        assertEquals(0x8000, HalfFloats.floatToBf16(-0f) & 0xFFFF);
        assertEquals(0x7F80, HalfFloats.floatToBf16(Float.MAX_VALUE) & 0xFFFF);            // rounds up to +inf
        // and against an exact reference: the nearer of the two bf16 neighbours in BigDecimal, ties to the even one
        Random random = new Random(3);
        for (int i = 0; i < 20000; i++) {
            int bits = random.nextInt();
            if (i % 3 == 0) {
                bits = (bits & 0xFFFF0000) | 0x8000; // force exact ties
            }
            float v = Float.intBitsToFloat(bits);
            if (Float.isNaN(v) || Float.isInfinite(v)) {
                continue;
            }
            assertEquals(exactBf16(v), HalfFloats.floatToBf16(v) & 0xFFFF, "value bits " + Integer.toHexString(bits));
        }
    }

    /** Nearest bfloat16 by exact decimal arithmetic; the upper neighbour may be infinity (treated as 2^128). */
    private static int exactBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int low = bits >>> 16;
        int high = low + 1;
        BigDecimal x = new BigDecimal(v);
        BigDecimal lowValue = new BigDecimal(Float.intBitsToFloat(low << 16));
        float hv = Float.intBitsToFloat(high << 16);
        BigDecimal highValue = Float.isInfinite(hv) ? BigDecimal.valueOf(2).pow(128).multiply(BigDecimal.valueOf(v < 0 ? -1 : 1))
                : new BigDecimal(hv);
        int c = x.subtract(lowValue).abs().compareTo(x.subtract(highValue).abs());
        return c < 0 || (c == 0 && (low & 1) == 0) ? low : high & 0xFFFF;
    }

    @Test
    void f16RoundingMatchesTorch() {
        Random random = new Random(5);
        float[] values = new float[5000];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (i % 4) {
                case 0 -> (float) random.nextGaussian();
                case 1 -> (float) (random.nextGaussian() * 1e-6);          // subnormal halves
                case 2 -> (float) (random.nextGaussian() * 70000);         // overflow to infinity
                default -> Float.intBitsToFloat((Float.floatToIntBits((float) random.nextGaussian()) & ~0x1FFF) | 0x1000); // ties
            };
        }
        try (NDManager m = NDManager.newBaseManager()) {
            ByteBuffer torch = m.create(values).toType(DataType.FLOAT16, false).toByteBuffer().order(ByteOrder.nativeOrder());
            // widening back is exact, so torch's f16 -> f32 must give the same floats as ours
            float[] widened = m.create(values).toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < values.length; i++) {
                assertEquals(widened[i], HalfFloats.f16ToFloat(HalfFloats.floatToF16(values[i])), "value " + values[i]);
            }
            for (int i = 0; i < values.length; i++) {
                assertEquals(torch.getShort(2 * i), HalfFloats.floatToF16(values[i]), "value " + values[i]);
            }
        }
    }

    @Test
    void singleFileLayoutIsTheSafetensorsLibrarys() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("b", m.create(new float[] {1f, 2f}));
            tensors.put("a", m.create(new float[] {3f}));
            tensors.put("i", m.create(new long[] {7}));
            List<Path> written = SafetensorsWriter.defaults().write(dir, tensors);
            assertEquals(List.of(dir.resolve("model.safetensors")), written);
            // I64 (alignment 8) before F32, then by name; offsets follow that order
            String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                    + "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                    + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
            int padded = (header.length() + 7) / 8 * 8;
            Path expected = RawSafetensors.write(dir.resolve("expected.bin"), header + " ".repeat(padded - header.length()),
                    RawSafetensors.concat(RawSafetensors.le(8, 7), RawSafetensors.floats(3f, 1f, 2f)));
            assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(written.get(0)));
        }
    }

    @Test
    void shardsSplitLikeHuggingFaceHubAndIndexLikeTransformers() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("t0", m.zeros(new Shape(10)));   // 40 bytes
            tensors.put("t1", m.ones(new Shape(10)));    // 40
            tensors.put("t2", m.arange(30f));            // 120 > 100: a shard of its own, emitted before the open one
            tensors.put("t3", m.ones(new Shape(5)));     // 20: 40 + 40 + 20 = 100 fits the open shard
            List<Path> written = SafetensorsWriter.defaults().maxShardSize(100).write(dir, tensors);
            assertEquals(List.of(dir.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00002-of-00002.safetensors"),
                    dir.resolve("model.safetensors.index.json")), written);
            String index = "{\n  \"metadata\": {\n    \"total_parameters\": 55,\n    \"total_size\": 220\n  },\n"
                    + "  \"weight_map\": {\n"
                    + "    \"t0\": \"model-00002-of-00002.safetensors\",\n"
                    + "    \"t1\": \"model-00002-of-00002.safetensors\",\n"
                    + "    \"t2\": \"model-00001-of-00002.safetensors\",\n"
                    + "    \"t3\": \"model-00002-of-00002.safetensors\"\n  }\n}\n";
            assertEquals(index, Files.readString(written.get(2)));
            try (SafetensorsFile first = SafetensorsFile.open(written.get(0)); SafetensorsFile second = SafetensorsFile.open(written.get(1))) {
                assertEquals(List.of("t2"), first.tensors().stream().map(TensorInfo::name).toList());
                assertEquals(List.of("t0", "t1", "t3"), second.tensors().stream().map(TensorInfo::name).toList());
                assertEquals(29f, first.load("t2", m).getFloat(29));
            }
            // saving again as one file removes the shards and the index
            SafetensorsWriter.defaults().write(dir, tensors);
            assertEquals(List.of("model.safetensors"), listing());
        }
    }

    @Test
    void roundTripsAreBitwiseExactForEveryDtype() throws IOException {
        Random random = new Random(11);
        float[] values = new float[257];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian() * 10;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            for (SafetensorsDtype dtype : List.of(SafetensorsDtype.F32, SafetensorsDtype.BF16, SafetensorsDtype.F16)) {
                Path first = dir.resolve(dtype + "-1");
                Path second = dir.resolve(dtype + "-2");
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                tensors.put("w", m.create(values, new Shape(1, 257)));
                tensors.put("ids", m.create(new long[] {Long.MIN_VALUE, 5}));
                tensors.put("mask", m.create(new boolean[] {true, false, true}));
                tensors.put("bytes", m.create(new byte[] {-1, 7}));
                SafetensorsWriter writer = SafetensorsWriter.defaults().dtype(dtype);
                writer.write(first, tensors);
                Map<String, NDArray> loaded = new LinkedHashMap<>();
                try (SafetensorsFile st = SafetensorsFile.open(first.resolve("model.safetensors"))) {
                    assertEquals(dtype, st.info("w").dtype());
                    assertEquals(SafetensorsDtype.I64, st.info("ids").dtype());
                    assertEquals(SafetensorsDtype.BOOL, st.info("mask").dtype());
                    for (TensorInfo t : st.tensors()) {
                        loaded.put(t.name(), st.load(t.name(), m));
                    }
                    assertArrayEquals(new long[] {Long.MIN_VALUE, 5}, loaded.get("ids").toLongArray());
                    assertArrayEquals(new boolean[] {true, false, true}, loaded.get("mask").toBooleanArray());
                    if (dtype == SafetensorsDtype.F32) {
                        assertArrayEquals(values, loaded.get("w").toFloatArray());
                    }
                }
                writer.write(second, loaded);
                assertArrayEquals(Files.readAllBytes(first.resolve("model.safetensors")), Files.readAllBytes(second.resolve("model.safetensors")),
                        dtype + ": save -> load -> save changed bits");
            }
        }
    }

    @Test
    void arraysAreCopiedOutInPiecesWithTheSameBytes() throws IOException {
        Random random = new Random(2);
        float[] values = new float[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = Map.of("w", m.create(values, new Shape(10, 100)));
            for (SafetensorsDtype dtype : List.of(SafetensorsDtype.F32, SafetensorsDtype.BF16)) {
                SafetensorsWriter whole = SafetensorsWriter.defaults().dtype(dtype);
                whole.write(dir.resolve("whole-" + dtype), tensors);
                whole.chunkElements(64).write(dir.resolve("pieces-" + dtype), tensors); // 16 pieces, the last of 40
                assertArrayEquals(Files.readAllBytes(dir.resolve("whole-" + dtype + "/model.safetensors")),
                        Files.readAllBytes(dir.resolve("pieces-" + dtype + "/model.safetensors")));
            }
        }
    }

    @Test
    void aFailedSaveLeavesTheFolderAsItWas() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> good = Map.of("a", m.create(new float[] {1f}));
            SafetensorsWriter.defaults().write(dir, good);
            byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));
            NDArray closed = m.create(new float[] {2f, 3f});
            closed.getDataType(); // cached by DJL, so planning succeeds and the failure comes while writing data
            closed.getShape();
            closed.close();
            Map<String, NDArray> bad = new LinkedHashMap<>();
            bad.put("z", m.create(new float[] {1f}));
            bad.put("y", closed);
            // shards {z} then {y}: the first is written to a temporary file, the second fails
            RuntimeException e = assertThrows(RuntimeException.class, () -> SafetensorsWriter.defaults().maxShardSize(8).write(dir, bad));
            assertTrue(Stream.of(e.getStackTrace()).anyMatch(f -> f.getMethodName().equals("writeData")), "failed while writing data");
            assertEquals(List.of("model.safetensors"), listing());
            assertArrayEquals(before, Files.readAllBytes(dir.resolve("model.safetensors")));
        }
    }

    @Test
    void settingsAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.defaults().dtype(SafetensorsDtype.I64));
        assertEquals("dtype must be F32, BF16 or F16, got I64", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.defaults().maxShardSize(3L << 30));
        assertEquals("max_shard_size must be in [1, 2130706432] bytes (files stay under 2 GiB), got 3221225472", e.getMessage());
        assertEquals(SafetensorsDtype.F32, SafetensorsWriter.defaults().dtype());
        assertEquals(SafetensorsDtype.BF16, SafetensorsWriter.defaults().dtype(SafetensorsDtype.BF16).dtype());
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
