package mpo4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimal float32 safetensors reader/writer for training state (optimizer moments, toy weights).
 * Writes go to a temp file renamed into place. Values round-trip bit-exactly.
 */
public final class TensorFile {
    private static final Gson GSON = new Gson();
    private static final long MAX_BYTES = (1L << 31) - 1;

    private TensorFile() {}

    /** Writes the arrays (float32, in map order) to a safetensors file, atomically. */
    public static void write(Path file, Map<String, NDArray> arrays) throws IOException {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray a = e.getValue();
            if (a.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("TensorFile stores float32 only; '" + e.getKey() + "' is " + a.getDataType());
            }
            data.put(e.getKey(), a.toFloatArray());
            shapes.put(e.getKey(), a.getShape().getShape());
        }
        writeFloats(file, data, shapes);
    }

    public static void writeFloats(Path file, Map<String, float[]> data, Map<String, long[]> shapes) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, float[]> e : data.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", "F32");
            t.add("shape", GSON.toJsonTree(shapes.get(e.getKey())));
            long end = offset + 4L * e.getValue().length;
            t.add("data_offsets", GSON.toJsonTree(new long[] {offset, end}));
            header.add(e.getKey(), t);
            offset = end;
        }
        byte[] json = GSON.toJson(header).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        if (8L + padded + offset > MAX_BYTES) {
            throw new IllegalArgumentException("safetensors file " + file + " would exceed 2 GiB (" + (8L + padded + offset) + " bytes)");
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.position() < head.capacity()) {
                head.put((byte) ' ');
            }
            head.flip();
            writeFully(ch, head);
            for (float[] values : data.values()) {
                ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(values);
                writeFully(ch, buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** One stored tensor. */
    public record Entry(long[] shape, float[] values) {}

    /** Reads every tensor of a float32 safetensors file, in file order. */
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
            if (!"F32".equals(t.get("dtype"))) {
                throw new IOException(file + ": tensor '" + e.getKey() + "' has dtype " + t.get("dtype") + ", expected F32");
            }
            @SuppressWarnings("unchecked")
            List<Double> shapeList = (List<Double>) t.get("shape");
            @SuppressWarnings("unchecked")
            List<Double> offsets = (List<Double>) t.get("data_offsets");
            long[] shape = shapeList.stream().mapToLong(Double::longValue).toArray();
            int from = base + offsets.get(0).intValue();
            int to = base + offsets.get(1).intValue();
            if (to > all.length || from > to) {
                throw new IOException(file + ": tensor '" + e.getKey() + "' data offsets out of range");
            }
            float[] values = new float[(to - from) / 4];
            ByteBuffer.wrap(all, from, to - from).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            out.put(e.getKey(), new Entry(shape, values));
        }
        return out;
    }

    /** Copies stored values into live arrays of the same names and shapes, in place. */
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
            e.getValue().set(s.values());
        }
        if (!missing.isEmpty()) {
            throw new IOException(file + ": missing tensors " + missing);
        }
    }
}
