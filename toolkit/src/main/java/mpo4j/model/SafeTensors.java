package mpo4j.model;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format, float32 only: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets}}} padded with spaces to 8 bytes, then the raw
 * little-endian tensor bytes in header order. Plus Hugging Face's sharding convention
 * ({@code model-0000k-of-0000n.safetensors} and {@code model.safetensors.index.json}).
 */
final class SafeTensors {
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    /** A float32 tensor on the Java side. */
    record Tensor(long[] shape, float[] values) {
        long bytes() { return 4L * values.length; }
    }

    private SafeTensors() {}

    /**
     * Writes {@code tensors} into {@code dir} as one file, or as shards of at most {@code maxShardBytes}
     * of data each (a tensor larger than the limit gets a shard of its own) plus the index.
     */
    static void write(Path dir, Map<String, Tensor> tensors, long maxShardBytes) throws IOException {
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long size = 0;
        long total = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long bytes = e.getValue().bytes();
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += bytes;
            total += bytes;
        }
        shards.add(current);
        if (shards.size() == 1) {
            writeFile(dir.resolve(SINGLE), current);
            return;
        }
        JsonObject weightMap = new JsonObject();
        for (int i = 0; i < shards.size(); i++) {
            String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            writeFile(dir.resolve(file), shards.get(i));
            shards.get(i).keySet().forEach(name -> weightMap.addProperty(name, file));
        }
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_size", total);
        JsonObject index = new JsonObject();
        index.add("metadata", metadata);
        index.add("weight_map", weightMap);
        Files.writeString(dir.resolve(INDEX), new Gson().newBuilder().setPrettyPrinting().create().toJson(index));
    }

    static void writeFile(Path file, Map<String, Tensor> tensors) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("format", "pt");
        header.add("__metadata__", metadata);
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += e.getValue().bytes();
            offsets.add(offset);
            entry.add("data_offsets", offsets);
            header.add(e.getKey(), entry);
        }
        StringBuilder json = new StringBuilder(header.toString());
        while (json.length() % 8 != 0) {
            json.append(' ');
        }
        byte[] headerBytes = json.toString().getBytes(StandardCharsets.UTF_8);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).flip();
            writeFully(out, length);
            writeFully(out, ByteBuffer.wrap(headerBytes));
            for (Tensor t : tensors.values()) {
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(t.bytes())).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(t.values());
                writeFully(out, data);
            }
            out.force(true);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /** Reads every tensor of a checkpoint directory (single file or sharded). */
    static Map<String, Tensor> readDirectory(Path dir) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        Path index = dir.resolve(INDEX);
        if (Files.exists(index)) {
            JsonObject weightMap = JsonParser.parseString(Files.readString(index)).getAsJsonObject().getAsJsonObject("weight_map");
            List<String> files = weightMap.entrySet().stream().map(e -> e.getValue().getAsString()).distinct().toList();
            for (String file : files) {
                all.putAll(readFile(dir.resolve(file)));
            }
        } else if (Files.exists(dir.resolve(SINGLE))) {
            all.putAll(readFile(dir.resolve(SINGLE)));
        } else {
            throw new IOException("no " + SINGLE + " or " + INDEX + " in " + dir);
        }
        return all;
    }

    static Map<String, Tensor> readFile(Path file) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(in, length, file);
            long headerLength = length.flip().getLong();
            if (headerLength <= 0 || headerLength > 100_000_000) {
                throw new IOException(file + ": not a safetensors file (header length " + headerLength + ")");
            }
            if (headerLength > in.size() - 8) {
                throw new IOException(file + ": truncated: expected at least " + (8 + headerLength) + " bytes, found " + in.size());
            }
            ByteBuffer headerBytes = ByteBuffer.allocate(Math.toIntExact(headerLength));
            readFully(in, headerBytes, file);
            JsonObject header = JsonParser.parseString(new String(headerBytes.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            long dataStart = 8 + headerLength;
            long dataEnd = 0;
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (!e.getKey().equals("__metadata__")) {
                    dataEnd = Math.max(dataEnd, e.getValue().getAsJsonObject().getAsJsonArray("data_offsets").get(1).getAsLong());
                }
            }
            if (dataStart + dataEnd > in.size()) {
                throw new IOException(file + ": truncated: expected " + (dataStart + dataEnd) + " bytes, found " + in.size());
            }
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonObject entry = e.getValue().getAsJsonObject();
                String dtype = entry.get("dtype").getAsString();
                if (!dtype.equals("F32")) {
                    throw new IOException(file + ": tensor " + e.getKey() + " has dtype " + dtype + "; only F32 is supported");
                }
                JsonArray shapeJson = entry.getAsJsonArray("shape");
                long[] shape = new long[shapeJson.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeJson.get(i).getAsLong();
                    count *= shape[i];
                }
                JsonArray offsets = entry.getAsJsonArray("data_offsets");
                long from = offsets.get(0).getAsLong();
                long to = offsets.get(1).getAsLong();
                if (to - from != 4 * count || dataStart + to > in.size()) {
                    throw new IOException(file + ": tensor " + e.getKey() + " offsets " + offsets + " do not match shape " + shapeJson);
                }
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(to - from)).order(ByteOrder.LITTLE_ENDIAN);
                in.position(dataStart + from);
                readFully(in, data, file);
                float[] values = new float[Math.toIntExact(count)];
                data.flip().asFloatBuffer().get(values);
                tensors.put(e.getKey(), new Tensor(shape, values));
            }
        }
        return tensors;
    }

    private static void readFully(FileChannel in, ByteBuffer buffer, Path file) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new IOException(file + ": truncated safetensors file");
            }
        }
    }
}
