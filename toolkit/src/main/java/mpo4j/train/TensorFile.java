package mpo4j.train;

import mpo4j.engine.HostCopy;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.io.AtomicFiles;

/**
 * Minimal float32/float64 safetensors reader and writer for training state (optimizer moments,
 * reference log-probs, toy weights). Each tensor keeps its own precision ({@code F32} or {@code F64});
 * values round-trip bit-exactly, and files are written atomically ({@link AtomicFiles}).
 */
public final class TensorFile {
    private static final Gson GSON = new Gson();
    private static final long MAX_BYTES = (1L << 31) - 1;

    private TensorFile() {}

    /**
     * One stored tensor: its shape and values, and whether it was stored in double precision
     * ({@code F64}); float32 values are exact in the double array.
     */
    public record Entry(long[] shape, double[] values, boolean float64) {
        /** The values as floats (exact for an {@code F32} tensor). */
        public float[] floats() {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return f;
        }

        /** A float32 tensor. */
        public static Entry of(long[] shape, float[] values) {
            double[] d = new double[values.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = values[i];
            }
            return new Entry(shape, d, false);
        }

        /** A float64 tensor. */
        public static Entry of(long[] shape, double[] values) { return new Entry(shape, values.clone(), true); }
    }

    /** Writes the arrays (float32 or float64, each in its own type, in map order) to a safetensors file, atomically. */
    public static void write(Path file, Map<String, NDArray> arrays) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray a = e.getValue();
            long[] shape = a.getShape().getShape();
            if (a.getDataType() == DataType.FLOAT32) {
                entries.put(e.getKey(), Entry.of(shape, HostCopy.floats(a)));
            } else if (a.getDataType() == DataType.FLOAT64) {
                entries.put(e.getKey(), new Entry(shape, HostCopy.doubles(a), true));
            } else {
                throw new IllegalArgumentException("TensorFile stores float32 and float64 only; '" + e.getKey() + "' is " + a.getDataType());
            }
        }
        writeEntries(file, entries);
    }

    /** Writes float32 tensors. */
    public static void writeFloats(Path file, Map<String, float[]> data, Map<String, long[]> shapes) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        data.forEach((k, v) -> entries.put(k, Entry.of(shapes.get(k), v)));
        writeEntries(file, entries);
    }

    /** Writes tensors, each as {@code F64} or {@code F32} as its entry says, atomically. */
    public static void writeEntries(Path file, Map<String, Entry> entries) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry t = e.getValue();
            JsonObject json = new JsonObject();
            json.addProperty("dtype", t.float64() ? "F64" : "F32");
            json.add("shape", GSON.toJsonTree(t.shape()));
            long end = offset + (long) (t.float64() ? 8 : 4) * t.values().length;
            json.add("data_offsets", GSON.toJsonTree(new long[] {offset, end}));
            header.add(e.getKey(), json);
            offset = end;
        }
        byte[] json = GSON.toJson(header).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        if (8L + padded + offset > MAX_BYTES) {
            throw new IllegalArgumentException("safetensors file " + file + " would exceed 2 GiB (" + (8L + padded + offset) + " bytes)");
        }
        AtomicFiles.write(file, out -> {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.position() < head.capacity()) {
                head.put((byte) ' ');
            }
            out.write(head.array());
            for (Entry t : entries.values()) {
                ByteBuffer buf = ByteBuffer.allocate((t.float64() ? 8 : 4) * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
                if (t.float64()) {
                    buf.asDoubleBuffer().put(t.values());
                } else {
                    buf.asFloatBuffer().put(t.floats());
                }
                out.write(buf.array());
            }
        });
    }

    /** Reads every tensor of a float32/float64 safetensors file, in file order. */
    public static Map<String, Entry> read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 8) {
            throw new IOException(file + ": not a safetensors file (shorter than 8 bytes)");
        }
        long headerLen = buf.getLong();
        if (headerLen < 2 || 8 + headerLen > all.length) {
            throw new IOException(file + ": corrupt safetensors header length " + headerLen);
        }
        String json = new String(all, 8, (int) headerLen, java.nio.charset.StandardCharsets.UTF_8).trim();
        Map<String, Object> header = GSON.fromJson(json, new TypeToken<LinkedHashMap<String, Object>>() {}.getType());
        Map<String, Entry> out = new LinkedHashMap<>();
        int base = 8 + (int) headerLen;
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> t = (Map<String, Object>) e.getValue();
            Object dtype = t.get("dtype");
            if (!"F32".equals(dtype) && !"F64".equals(dtype)) {
                throw new IOException(file + ": tensor '" + e.getKey() + "' has dtype " + dtype + ", expected F32 or F64");
            }
            boolean f64 = "F64".equals(dtype);
            @SuppressWarnings("unchecked")
            List<Double> shapeList = (List<Double>) t.get("shape");
            @SuppressWarnings("unchecked")
            List<Double> offsets = (List<Double>) t.get("data_offsets");
            long[] shape = shapeList.stream().mapToLong(Double::longValue).toArray();
            int from = base + offsets.get(0).intValue();
            int to = base + offsets.get(1).intValue();
            if (to > all.length || from > to) {
                throw new IOException(file + ": tensor '" + e.getKey() + "' data offsets out of range (truncated: the file has "
                        + all.length + " bytes, the tensor ends at " + to + ")");
            }
            ByteBuffer data = ByteBuffer.wrap(all, from, to - from).order(ByteOrder.LITTLE_ENDIAN);
            if (f64) {
                double[] values = new double[(to - from) / 8];
                data.asDoubleBuffer().get(values);
                out.put(e.getKey(), new Entry(shape, values, true));
            } else {
                float[] values = new float[(to - from) / 4];
                data.asFloatBuffer().get(values);
                out.put(e.getKey(), Entry.of(shape, values));
            }
        }
        return out;
    }

    /**
     * Copies stored values into live arrays of the same names and shapes, in place (each in the live
     * array's type). Logs a warning when a loaded array holds NaN or infinite values.
     */
    public static void loadInto(Path file, Map<String, NDArray> arrays) throws IOException {
        Map<String, Entry> stored = read(file);
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            Entry s = stored.get(e.getKey());
            if (s == null) {
                missing.add(e.getKey());
                continue;
            }
            long[] live = e.getValue().getShape().getShape();
            if (!java.util.Arrays.equals(live, s.shape())) {
                throw new IOException(file + ": tensor '" + e.getKey() + "' has shape " + java.util.Arrays.toString(s.shape())
                        + " but the live array has " + java.util.Arrays.toString(live));
            }
            if (e.getValue().getDataType() == DataType.FLOAT64) {
                e.getValue().set(s.values());
            } else {
                e.getValue().set(s.floats());
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException(file + ": missing tensors " + missing);
        }
        FiniteWeights.warnIfNonFinite(arrays, file);
    }
}
