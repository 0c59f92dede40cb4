package mpo4j.hf;

import static mpo4j.hf.RawSafetensors.concat;
import static mpo4j.hf.RawSafetensors.floats;
import static mpo4j.hf.RawSafetensors.le;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        Mpo4jEngine.ensureOffline();
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void readsEveryDtypeStoredAndAsFloat32() throws IOException {
        // Values chosen so the float32 reading is known by hand:
        //   F16 0x3C00 = 1.0, 0xC000 = -2.0, 0x0001 = 2^-24 (smallest subnormal), 0x3555 = (1 + 341/1024) / 4 = 0.333251953125
        //   BF16 0x3F80 = 1.0, 0x4049 = bits 0x40490000 = 3.140625, 0xC2F7 = -(1 + 119/128) * 64 = -123.5
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + entry("f32", "F32", "[2]", 0, 8) + ","
                + entry("f16", "F16", "[2,2]", 8, 16) + ","
                + entry("bf16", "BF16", "[3]", 16, 22) + ","
                + entry("f64", "F64", "[1]", 22, 30) + ","
                + entry("i64", "I64", "[2]", 30, 46) + ","
                + entry("i32", "I32", "[1]", 46, 50) + ","
                + entry("i8", "I8", "[2]", 50, 52) + ","
                + entry("u8", "U8", "[1]", 52, 53) + ","
                + entry("bool", "BOOL", "[2]", 53, 55) + ","
                + entry("scalar", "F32", "[]", 55, 59) + ","
                + entry("empty", "F32", "[0,3]", 59, 59) + "}";
        byte[] data = concat(floats(1.5f, -2f), le(2, 0x3C00, 0xC000, 0x0001, 0x3555), le(2, 0x3F80, 0x4049, 0xC2F7),
                le(8, Double.doubleToLongBits(0.1)), le(8, -3, 1L << 40), le(4, -7), le(1, -5, 100), le(1, 200), le(1, 1, 0),
                floats(42f));
        Path file = RawSafetensors.write(dir.resolve("all.safetensors"), header, data);
        try (SafetensorsFile st = SafetensorsFile.open(file); NDManager m = NDManager.newBaseManager()) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(List.of("f32", "f16", "bf16", "f64", "i64", "i32", "i8", "u8", "bool", "scalar", "empty"),
                    st.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(SafetensorsDtype.F16, st.info("f16").dtype());
            assertArrayEquals(new long[] {2, 2}, st.info("f16").shape());

            assertArrayEquals(new float[] {1.5f, -2f}, st.load("f32", m).toFloatArray());
            assertArrayEquals(new float[] {1f, -2f, 0x1p-24f, 0.333251953125f}, st.loadFloat32("f16", m).toFloatArray());
            assertArrayEquals(new long[] {2, 2}, st.loadFloat32("f16", m).getShape().getShape());
            assertArrayEquals(new float[] {1f, 3.140625f, -123.5f}, st.loadFloat32("bf16", m).toFloatArray());
            // DJL 0.35.1's PyTorch engine has no bf16 arrays: stored-dtype loads widen exactly, the bytes stay available
            assertEquals(DataType.FLOAT32, st.load("bf16", m).getDataType());
            assertArrayEquals(le(2, 0x3F80, 0x4049, 0xC2F7), st.readBytes("bf16").array());
            assertEquals(DataType.FLOAT16, st.load("f16", m).getDataType());
            assertArrayEquals(new double[] {0.1}, st.load("f64", m).toDoubleArray());
            assertArrayEquals(new float[] {0.1f}, st.loadFloat32("f64", m).toFloatArray());
            assertArrayEquals(new long[] {-3, 1L << 40}, st.load("i64", m).toLongArray());
            assertArrayEquals(new int[] {-7}, st.load("i32", m).toIntArray());
            assertArrayEquals(new byte[] {-5, 100}, st.load("i8", m).toByteArray());
            assertEquals(DataType.UINT8, st.load("u8", m).getDataType());
            assertArrayEquals(new byte[] {(byte) 200}, st.load("u8", m).toByteArray());
            assertArrayEquals(new float[] {200f}, st.loadFloat32("u8", m).toFloatArray());
            assertArrayEquals(new boolean[] {true, false}, st.load("bool", m).toBooleanArray());
            assertEquals(0, st.load("scalar", m).getShape().dimension());
            assertEquals(42f, st.load("scalar", m).getFloat());
            assertArrayEquals(new long[] {0, 3}, st.load("empty", m).getShape().getShape());
        }
    }

    @Test
    void smallWindowsReadLargeTensorsInPiecesWithTheSameResult() throws IOException {
        // 1000 float32 and 999 bf16 values; a 64-byte window maps 16 float32 (or, converting, 16 bf16) at a time
        Random random = new Random(7);
        float[] values = new float[1000];
        short[] halves = new short[999];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        long[] halfBits = new long[halves.length];
        float[] halfValues = new float[halves.length];
        for (int i = 0; i < halves.length; i++) {
            int bits = Float.floatToIntBits((float) random.nextGaussian()) >>> 16;
            halfBits[i] = bits;
            halfValues[i] = Float.intBitsToFloat(bits << 16); // bf16 -> float32 by definition: the upper half
        }
        String header = "{" + entry("w", "F32", "[10,100]", 0, 4000) + "," + entry("h", "BF16", "[999]", 4000, 5998) + "}";
        Path file = RawSafetensors.write(dir.resolve("big.safetensors"), header, concat(floats(values), le(2, halfBits)));
        try (SafetensorsFile st = SafetensorsFile.open(file, 64); NDManager m = NDManager.newBaseManager()) {
            NDArray w = st.load("w", m);
            assertArrayEquals(new long[] {10, 100}, w.getShape().getShape());
            assertArrayEquals(values, w.toFloatArray());
            assertArrayEquals(halfValues, st.loadFloat32("h", m).toFloatArray());
            assertArrayEquals(halfValues, st.load("h", m).toFloatArray());
            assertArrayEquals(le(2, halfBits), st.readBytes("h").array()); // 2000 bytes through 64-byte windows
        }
    }

    @Test
    void readsTensorsPastTheTwoGibibyteMark() throws IOException {
        // a sparse file: 2^31 + 100 bytes of an unread U8 tensor, then 4 floats; only the header and the floats hit the disk
        long pad = (1L << 31) + 100;
        String header = "{" + entry("pad", "U8", "[" + pad + "]", 0, pad) + "," + entry("w", "F32", "[2,2]", pad, pad + 16) + "}";
        Path file = dir.resolve("sparse.safetensors");
        RawSafetensors.write(file, header, new byte[0]);
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(floats(1f, -2f, 3.5f, 4f)), 8 + header.length() + pad);
        }
        try (SafetensorsFile st = SafetensorsFile.open(file); NDManager m = NDManager.newBaseManager()) {
            assertEquals(8 + header.length() + pad, st.info("w").start());
            assertArrayEquals(new float[] {1f, -2f, 3.5f, 4f}, st.load("w", m).toFloatArray());
        }
    }

    @Test
    void loadedArraysDoNotAliasTheFileOrEachOther() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("a.safetensors"), "{" + entry("x", "F32", "[2]", 0, 8) + "}", floats(1f, 2f));
        try (SafetensorsFile st = SafetensorsFile.open(file); NDManager m = NDManager.newBaseManager()) {
            NDArray a = st.load("x", m);
            NDArray b = st.load("x", m);
            a.addi(10f); // writable, and b (loaded through the same scratch buffer) must not change
            assertArrayEquals(new float[] {11f, 12f}, a.toFloatArray());
            assertArrayEquals(new float[] {1f, 2f}, b.toFloatArray());
        }
    }

    private String error(String header, byte[] data) throws IOException {
        Path file = RawSafetensors.write(dir.resolve("bad.safetensors"), header, data);
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        return e.getMessage().substring(file.toString().length() + 2);
    }

    @Test
    void truncatedFilesSayHowManyBytesWereExpected() throws IOException {
        // header of length H, then tensor data [0, 24); only 10 data bytes present: expected 8 + H + 24, found 8 + H + 10
        String header = "{" + entry("a", "F32", "[2,3]", 0, 24) + "}";
        int h = header.length();
        assertEquals("truncated: expected " + (8 + h + 24) + " bytes, found " + (8 + h + 10)
                + " (tensor 'a' ends at data offset 24)", error(header, new byte[10]));
        Path tiny = Files.write(dir.resolve("tiny.safetensors"), new byte[] {5, 0, 0});
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(tiny));
        assertEquals(tiny + ": truncated: expected at least 8 bytes (the header length), found 3", e.getMessage());
        Path cut = Files.write(dir.resolve("cut.safetensors"), le(8, 100, 0x7B));  // claims 100 header bytes, has 8
        e = assertThrows(IOException.class, () -> SafetensorsFile.open(cut));
        assertEquals(cut + ": truncated: expected at least 108 bytes (8 + a header of 100), found 16", e.getMessage());
    }

    @Test
    void badHeadersNameTheTensorAndTheProblem() throws IOException {
        assertTrue(error("{\"a\": [1, 2", new byte[0]).startsWith("header is not valid JSON ("));
        assertEquals("tensor 'w' has unknown dtype 'F8_E4M3' (supported: F32, F16, BF16, F64, I64, I32, I8, U8, BOOL)",
                error("{" + entry("w", "F8_E4M3", "[2]", 0, 2) + "}", new byte[2]));
        assertEquals("tensor 'w': shape [2,3] x F32 (4 bytes) = 24 bytes, but data_offsets [0,20] span 20",
                error("{" + entry("w", "F32", "[2,3]", 0, 20) + "}", new byte[24]));
        assertEquals("tensors 'a' [0, 8) and 'b' [4, 12) overlap",
                error("{" + entry("b", "F32", "[2]", 4, 12) + "," + entry("a", "F32", "[2]", 0, 8) + "}", new byte[12]));
        assertEquals("tensor 'w': missing field 'shape'", error("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]));
        assertEquals("tensor 'w': shape must hold non-negative integers, got -1",
                error("{" + entry("w", "F32", "[-1]", 0, 4) + "}", new byte[4]));
        assertEquals("header is not a JSON object: not a safetensors file", error("[1,2,3]", new byte[0]));
        Path ok = RawSafetensors.write(dir.resolve("ok.safetensors"), "{" + entry("x", "F32", "[1]", 0, 4) + "}", floats(1f));
        try (SafetensorsFile st = SafetensorsFile.open(ok)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> st.info("y"));
            assertEquals(ok + ": no tensor 'y'", e.getMessage());
        }
    }
}
