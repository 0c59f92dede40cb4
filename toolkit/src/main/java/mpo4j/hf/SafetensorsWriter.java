package mpo4j.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Writes named tensors as transformers' {@code save_pretrained} does: {@code model.safetensors}, or
 * {@code model-00001-of-0000N.safetensors} shards plus {@code model.safetensors.index.json}.
 *
 * <p>Layout, checked against the reference code: tensors go into shards in map order (the
 * state-dict order), a new shard starting when the next tensor would push the current one past
 * {@link #maxShardSize()} and a tensor larger than the limit getting a shard of its own
 * (huggingface_hub's {@code split_state_dict_into_shards_factory}); inside a file the safetensors
 * library orders tensors by decreasing dtype alignment, then by name, puts {@code __metadata__}
 * ({@code {"format":"pt"}}) first and pads the compact JSON header with spaces to a multiple of 8; the
 * index is {@code json.dumps(..., indent=2, sort_keys=True)} plus a newline with
 * {@code metadata.total_parameters}, {@code metadata.total_size} (data bytes) and
 * {@code weight_map}.
 *
 * <p>Floating tensors are stored in {@link #dtype()} (float32 to bf16/f16 rounds to nearest even, as
 * PyTorch's {@code .to(torch.bfloat16)}); integer and boolean tensors keep their type. Each file is
 * written to a temporary sibling and renamed into place only when every file is complete; shard
 * files and index left by an earlier save that this save does not overwrite are removed, as
 * transformers does. On failure nothing new is left in the folder.
 *
 * <p>DJL 0.35.1's {@code NDList.encode(stream, Encoding.SAFETENSORS)} is not used: it writes no
 * {@code __metadata__} and no header padding, orders the header by hash, keeps offsets in
 * {@code int}s (nothing past 2 GiB), needs the whole file in one stream, and cannot produce bf16 (its
 * PyTorch engine has no bf16 arrays). DJL still supplies the arrays' bytes and dtype mapping.
 *
 * <p>Immutable: each setting has a copy method ({@code SafetensorsWriter.defaults().dtype(BF16)}).
 */
public final class SafetensorsWriter {
    /** The single-file name. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The shard index name. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** The largest shard data size allowed: files (data plus header) stay under 2 GiB. */
    public static final long MAX_SHARD_SIZE_LIMIT = (2L << 30) - (16L << 20);

    private static final Pattern OUR_FILES = Pattern.compile("model(-\\d{5}-of-\\d{5})?\\.safetensors|model\\.safetensors\\.index\\.json");
    private static final long CHUNK_ELEMENTS = 16L << 20;

    private final SafetensorsDtype dtype;
    private final long maxShardSize;
    private final long chunkElements;

    private SafetensorsWriter(SafetensorsDtype dtype, long maxShardSize, long chunkElements) {
        this.dtype = dtype;
        this.maxShardSize = maxShardSize;
        this.chunkElements = chunkElements;
    }

    /** float32, shards of at most {@link #MAX_SHARD_SIZE_LIMIT} data bytes. */
    public static SafetensorsWriter defaults() {
        return new SafetensorsWriter(SafetensorsDtype.F32, MAX_SHARD_SIZE_LIMIT, CHUNK_ELEMENTS);
    }

    /** A copy copying at most {@code elements} per piece out of an array (tests use tiny pieces). */
    SafetensorsWriter chunkElements(long elements) {
        return new SafetensorsWriter(dtype, maxShardSize, elements);
    }

    /** The type floating tensors are stored in. */
    public SafetensorsDtype dtype() {
        return dtype;
    }

    /** The largest data size of a shard, in bytes (a single larger tensor still gets a shard of its own). */
    public long maxShardSize() {
        return maxShardSize;
    }

    /**
     * A copy storing floating tensors as {@code dtype}.
     *
     * @throws IllegalArgumentException unless {@code dtype} is F32, BF16 or F16
     */
    public SafetensorsWriter dtype(SafetensorsDtype dtype) {
        if (dtype != SafetensorsDtype.F32 && dtype != SafetensorsDtype.BF16 && dtype != SafetensorsDtype.F16) {
            throw new IllegalArgumentException("dtype must be F32, BF16 or F16, got " + dtype);
        }
        return new SafetensorsWriter(dtype, maxShardSize, chunkElements);
    }

    /**
     * A copy with shards of at most {@code bytes} data bytes (transformers' {@code max_shard_size}).
     *
     * @throws IllegalArgumentException unless 1 &lt;= bytes &lt;= {@link #MAX_SHARD_SIZE_LIMIT}
     */
    public SafetensorsWriter maxShardSize(long bytes) {
        if (bytes < 1 || bytes > MAX_SHARD_SIZE_LIMIT) {
            throw new IllegalArgumentException("max_shard_size must be in [1, " + MAX_SHARD_SIZE_LIMIT
                    + "] bytes (files stay under 2 GiB), got " + bytes);
        }
        return new SafetensorsWriter(dtype, bytes, chunkElements);
    }

    /**
     * Writes {@code tensors} (in state-dict order) into {@code dir}, creating it if needed.
     *
     * @return the files written, the index last when there is one
     */
    public List<Path> write(Path dir, Map<String, NDArray> tensors) throws IOException {
        Files.createDirectories(dir);
        List<Map<String, Entry>> shards = split(plan(tensors));
        List<String> names = new ArrayList<>();
        if (shards.size() == 1) {
            names.add(SINGLE_FILE);
        } else {
            for (int i = 0; i < shards.size(); i++) {
                names.add(String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size()));
            }
            names.add(INDEX_FILE);
        }
        Map<Path, Path> temporaries = new LinkedHashMap<>();
        boolean done = false;
        try {
            for (int i = 0; i < shards.size(); i++) {
                Path temp = temporary(dir, names.get(i));
                temporaries.put(temp, dir.resolve(names.get(i)));
                writeFile(temp, shards.get(i));
            }
            if (shards.size() > 1) {
                Path temp = temporary(dir, INDEX_FILE);
                temporaries.put(temp, dir.resolve(INDEX_FILE));
                Files.writeString(temp, index(shards, names), StandardCharsets.UTF_8);
            }
            for (Map.Entry<Path, Path> move : temporaries.entrySet()) {
                Files.move(move.getKey(), move.getValue(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                for (Path temp : temporaries.keySet()) {
                    Files.deleteIfExists(temp);
                }
            }
        }
        removeStale(dir, Set.copyOf(names));
        return names.stream().map(dir::resolve).toList();
    }

    // ---- planning ----------------------------------------------------------------------------------

    /** One tensor to write: its array, the type it is stored in and its data size. */
    private record Entry(String name, NDArray array, SafetensorsDtype stored, long bytes) {}

    private List<Entry> plan(Map<String, NDArray> tensors) {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray array = e.getValue();
            SafetensorsDtype source;
            try {
                source = SafetensorsDtype.of(array.getDataType());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has type " + array.getDataType()
                        + ", which safetensors cannot store", ex);
            }
            SafetensorsDtype stored = source.isFloating() ? dtype : source;
            entries.add(new Entry(e.getKey(), array, stored, Math.multiplyExact(array.size(), stored.bytes())));
        }
        return entries;
    }

    /** huggingface_hub's greedy split, in state-dict order. */
    private List<Map<String, Entry>> split(List<Entry> entries) {
        List<Map<String, Entry>> shards = new ArrayList<>();
        Map<String, Entry> current = new LinkedHashMap<>();
        long currentSize = 0;
        for (Entry e : entries) {
            if (e.bytes() > maxShardSize) {
                shards.add(Map.of(e.name(), e));
                continue;
            }
            if (currentSize + e.bytes() > maxShardSize) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentSize = 0;
            }
            current.put(e.name(), e);
            currentSize += e.bytes();
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    /** The index as transformers writes it: {@code json.dumps(index, indent=2, sort_keys=True) + "\n"}. */
    private static String index(List<Map<String, Entry>> shards, List<String> names) {
        long totalSize = 0;
        long totalParameters = 0;
        JsonObject weightMap = new JsonObject();
        for (int i = 0; i < shards.size(); i++) {
            for (Entry e : shards.get(i).values()) {
                totalSize += e.bytes();
                totalParameters += e.array().size();
                weightMap.addProperty(e.name(), names.get(i));
            }
        }
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_parameters", totalParameters);
        metadata.addProperty("total_size", totalSize);
        JsonObject index = new JsonObject();
        index.add("metadata", metadata);
        index.add("weight_map", weightMap);
        return PythonJson.fileText(index);
    }

    // ---- one file ----------------------------------------------------------------------------------

    private void writeFile(Path file, Map<String, Entry> shard) throws IOException {
        List<Entry> order = new ArrayList<>(shard.values());
        order.sort(Comparator.comparingInt((Entry e) -> -e.stored().alignmentRank()).thenComparing(Entry::name));
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Entry e : order) {
            header.append(',').append(PythonJson.quote(e.name(), false)).append(":{\"dtype\":\"").append(e.stored())
                    .append("\",\"shape\":[");
            long[] shape = e.array().getShape().getShape();
            for (int i = 0; i < shape.length; i++) {
                header.append(i == 0 ? "" : ",").append(shape[i]);
            }
            header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + e.bytes()).append("]}");
            offset += e.bytes();
        }
        header.append('}');
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(headerBytes);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(out, head.flip());
            for (Entry e : order) {
                writeData(out, e);
            }
            out.force(true);
        }
    }

    /** Writes one tensor's data in chunks, so no Java buffer grows past a few tens of MB. */
    private void writeData(FileChannel out, Entry e) throws IOException {
        NDArray array = e.array();
        SafetensorsDtype source = SafetensorsDtype.of(array.getDataType());
        long count = array.size();
        if (count == 0) {
            return;
        }
        boolean rounding = e.stored() != source && (e.stored() == SafetensorsDtype.BF16 || e.stored() == SafetensorsDtype.F16);
        DataType readAs = rounding ? DataType.FLOAT32 : e.stored().djlType();
        NDArray flat = array.reshape(count); // a view: no copy for contiguous arrays
        try {
            for (long from = 0; from < count; from += chunkElements) {
                long to = Math.min(count, from + chunkElements);
                NDArray piece = to - from == count ? flat : flat.get(new NDIndex("{}:{}", from, to));
                NDArray typed = piece.getDataType() == readAs ? piece : piece.toType(readAs, true);
                try {
                    ByteBuffer bytes = typed.toByteBuffer().order(ByteOrder.nativeOrder());
                    writeFully(out, rounding ? round(bytes.asFloatBuffer(), e.stored()) : bytes);
                } finally {
                    if (typed != piece) {
                        typed.close();
                    }
                    if (piece != flat) {
                        piece.close();
                    }
                }
            }
        } finally {
            if (flat != array) {
                flat.close();
            }
        }
    }

    private static ByteBuffer round(FloatBuffer values, SafetensorsDtype target) {
        float[] floats = new float[values.remaining()];
        values.get(floats);
        short[] halves = new short[floats.length];
        for (int i = 0; i < floats.length; i++) {
            halves[i] = target == SafetensorsDtype.BF16 ? HalfFloats.floatToBf16(floats[i]) : HalfFloats.floatToF16(floats[i]);
        }
        ByteBuffer out = ByteBuffer.allocate(halves.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        out.asShortBuffer().put(halves);
        return out;
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    // ---- file management ---------------------------------------------------------------------------

    static Path temporary(Path dir, String name) {
        return dir.resolve("." + name + ".tmp-" + UUID.randomUUID());
    }

    private static void removeStale(Path dir, Set<String> written) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (OUR_FILES.matcher(name).matches() && !written.contains(name)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }
}
