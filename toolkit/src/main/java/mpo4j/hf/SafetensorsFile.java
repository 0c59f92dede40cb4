package mpo4j.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One open {@code .safetensors} file: its header parsed and checked, tensors loaded one at a time.
 *
 * <p>The format: an 8-byte little-endian header length {@code n}, {@code n} bytes of UTF-8 JSON
 * {@code {"__metadata__": {...}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}},
 * then the data area, offsets relative to its start, little-endian, row-major.
 *
 * <p>What is DJL's and what is ours. DJL 0.35.1 reads and writes safetensors through
 * {@code NDList.decode(manager, stream)} and {@code NDList.encode(stream, Encoding.SAFETENSORS)}, but
 * the decoder reads the whole file into one {@code byte[]} and keeps offsets in {@code int}s (so no
 * file or tensor past 2 GiB, and every tensor of a file in memory at once), does not check offsets,
 * sizes or overlaps (bad files fail with "Malformed data" or a raw exception, never naming the tensor),
 * can neither load one tensor by name nor convert bf16/f16 to float32; the encoder writes no
 * {@code __metadata__}, no 8-byte header padding, header entries in hash order, and no shards. So
 * this class parses the header itself and memory-maps one window at a time (any file size; a tensor
 * larger than the window is read in pieces and concatenated), using DJL for the dtype mapping
 * ({@link SafetensorsDtype#djlType()}) and to create the arrays. Arrays never alias the file: PyTorch
 * wraps a direct buffer without copying, so each window is copied into a reusable scratch buffer and
 * the array cloned into PyTorch's own memory. DJL's PyTorch engine has no bfloat16 arrays (see
 * {@link #load}), so bf16 data always arrives as float32.
 *
 * <p>Errors name the file and the tensor: truncated files ("truncated: expected N bytes, found M"),
 * a header that is not JSON, unknown dtypes, offsets that overlap or do not match shape times dtype.
 * Not thread-safe; close it to release the file.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The safetensors library refuses headers over 100 MB; so do we, before allocating anything. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Bytes mapped (and converted) at a time by default. */
    static final long DEFAULT_WINDOW = 256L << 20;

    private final Path file;
    private final FileChannel channel;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final long window;
    private ByteBuffer scratch;

    private SafetensorsFile(Path file, FileChannel channel, Map<String, TensorInfo> tensors,
            Map<String, String> metadata, long window) {
        this.file = file;
        this.channel = channel;
        this.tensors = tensors;
        this.metadata = metadata;
        this.window = window;
    }

    /**
     * Opens {@code file} and checks its header against the file size.
     *
     * @throws IOException when the file cannot be read or is not a valid safetensors file (the
     *     message names the file and, where it applies, the tensor)
     */
    public static SafetensorsFile open(Path file) throws IOException {
        return open(file, DEFAULT_WINDOW);
    }

    /** {@link #open(Path)} mapping at most {@code windowBytes} at a time (tests use tiny windows). */
    static SafetensorsFile open(Path file, long windowBytes) throws IOException {
        if (windowBytes < 8 || windowBytes > MappedWindows.MAX_WINDOW) {
            throw new IllegalArgumentException("window must be in [8, " + MappedWindows.MAX_WINDOW + "] bytes, got " + windowBytes);
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = readHeader(file, channel, metadata);
            return new SafetensorsFile(file, channel, tensors, Collections.unmodifiableMap(metadata), windowBytes);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The file this reads. */
    public Path file() {
        return file;
    }

    /** Every tensor's header entry, in data-offset order. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /** Whether the file holds a tensor called {@code name}. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The header entry of {@code name}.
     *
     * @throws IllegalArgumentException naming the file when there is no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no tensor '" + name + "'");
        }
        return info;
    }

    /** The header's {@code __metadata__} (for transformers checkpoints {@code {"format": "pt"}}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Loads {@code name} into {@code manager} in its stored dtype, bit for bit, except BF16, which
     * comes back as float32 (exactly: every bfloat16 is a float32 with a zero lower half). DJL 0.35.1's
     * PyTorch engine cannot hold bfloat16 arrays: creating one or converting to one aborts the JVM
     * ("terminate called without an active exception"), so mpo4j never makes one. Use
     * {@link #readBytes(String)} for the stored bits.
     */
    public NDArray load(String name, NDManager manager) throws IOException {
        TensorInfo info = info(name);
        return read(info, info.dtype() == SafetensorsDtype.BF16 ? SafetensorsDtype.F32 : info.dtype(), manager);
    }

    /**
     * The stored bytes of {@code name} (little-endian, row-major) in a heap buffer of their own.
     *
     * @throws IllegalArgumentException for tensors of 2 GiB or more, which no Java buffer can hold
     */
    public ByteBuffer readBytes(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.byteSize() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has " + info.byteSize()
                    + " bytes, too many for one buffer; load it as an array instead");
        }
        ByteBuffer out = ByteBuffer.allocate((int) info.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (long from = 0; from < info.byteSize(); from += window) {
            MappedByteBuffer in = MappedWindows.map(channel, info.start() + from, Math.min(window, info.byteSize() - from));
            try {
                out.put(in);
            } finally {
                MappedWindows.release(in);
            }
        }
        return out.flip();
    }

    /**
     * Loads {@code name} into {@code manager} as float32: F32 as is, BF16 and F16 widened exactly,
     * F64 and the integer types converted by value.
     */
    public NDArray loadFloat32(String name, NDManager manager) throws IOException {
        return read(info(name), SafetensorsDtype.F32, manager);
    }

    @Override
    public void close() throws IOException {
        // the scratch buffer can be a window large; free it now rather than when the collector runs
        MappedWindows.release(scratch);
        scratch = null;
        channel.close();
    }

    private NDArray read(TensorInfo info, SafetensorsDtype target, NDManager manager) throws IOException {
        Shape shape = new Shape(info.shape());
        long count = info.elements();
        if (count == 0) {
            return manager.zeros(shape, target.djlType());
        }
        if (target != info.dtype() && info.dtype() != SafetensorsDtype.BF16 && info.dtype() != SafetensorsDtype.F16) {
            // value conversions of the wide and integer types are PyTorch's (exact where float32 can hold the value)
            try (NDArray stored = read(info, info.dtype(), manager)) {
                return stored.toType(target.djlType(), true);
            }
        }
        int widest = Math.max(info.dtype().bytes(), target.bytes());
        // DJL creates arrays from int element counts, hence the second bound
        long perWindow = Math.max(1, Math.min(window / widest, Integer.MAX_VALUE - 8));
        if (count <= perWindow) {
            return readChunk(info, 0, count, shape, target, manager);
        }
        NDList pieces = new NDList();
        try {
            for (long from = 0; from < count; from += perWindow) {
                long n = Math.min(perWindow, count - from);
                pieces.add(readChunk(info, from, n, new Shape(n), target, manager));
            }
            try (NDArray flat = NDArrays.concat(pieces, 0)) {
                return flat.reshape(shape);
            }
        } finally {
            pieces.close();
        }
    }

    /** Elements [from, from + n) of {@code info} as a PyTorch-owned array of {@code shape}. */
    private NDArray readChunk(TensorInfo info, long from, long n, Shape shape, SafetensorsDtype target, NDManager manager)
            throws IOException {
        SafetensorsDtype stored = info.dtype();
        long inBytes = n * stored.bytes();
        int outBytes = Math.toIntExact(n * target.bytes());
        ByteBuffer out = scratch(outBytes);
        MappedByteBuffer in = MappedWindows.map(channel, info.start() + from * stored.bytes(), inBytes);
        try {
            if (stored == target) {
                out.put(in);
            } else {
                widen(in.asShortBuffer(), out.asFloatBuffer(), stored == SafetensorsDtype.BF16);
                out.position(out.limit());
            }
        } finally {
            MappedWindows.release(in);
        }
        out.flip();
        DataType type = target.djlType();
        try (NDArray view = manager.create(out, shape, type)) {
            return view.duplicate();
        }
    }

    /** bf16 or f16 to float32, a block at a time (bulk buffer copies are several times faster than per-element ones). */
    private static void widen(ShortBuffer in, FloatBuffer out, boolean bf16) {
        short[] halves = new short[Math.min(in.remaining(), 1 << 14)];
        float[] floats = new float[halves.length];
        while (in.hasRemaining()) {
            int n = Math.min(in.remaining(), halves.length);
            in.get(halves, 0, n);
            for (int i = 0; i < n; i++) {
                floats[i] = bf16 ? HalfFloats.bf16ToFloat(halves[i]) : HalfFloats.f16ToFloat(halves[i]);
            }
            out.put(floats, 0, n);
        }
    }

    private ByteBuffer scratch(int bytes) {
        if (scratch == null || scratch.capacity() < bytes) {
            MappedWindows.release(scratch);
            scratch = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        scratch.clear().limit(bytes);
        return scratch;
    }

    // ---- header ----------------------------------------------------------------------------------

    private static Map<String, TensorInfo> readHeader(Path file, FileChannel channel, Map<String, String> metadata)
            throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new IOException(file + ": truncated: expected at least 8 bytes (the header length), found " + size);
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw new IOException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " is not in [2, " + MAX_HEADER_BYTES + "]: not a safetensors file");
        }
        long dataStart = 8 + headerLength;
        if (dataStart > size) {
            throw new IOException(file + ": truncated: expected at least " + dataStart + " bytes (8 + a header of "
                    + headerLength + "), found " + size);
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(headerBytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": header is not UTF-8 text: not a safetensors file");
        }
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new IOException(file + ": header is not valid JSON (" + e.getMessage() + ")");
        }
        if (!parsed.isJsonObject()) {
            throw new IOException(file + ": header is not a JSON object: not a safetensors file");
        }
        List<TensorInfo> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : parsed.getAsJsonObject().entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                readMetadata(file, e.getValue(), metadata);
            } else {
                entries.add(entry(file, e.getKey(), e.getValue(), dataStart));
            }
        }
        entries.sort(Comparator.comparingLong(TensorInfo::start).thenComparingLong(TensorInfo::byteSize));
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        TensorInfo previous = null;
        for (TensorInfo t : entries) {
            if (previous != null && t.start() < previous.start() + previous.byteSize()) {
                throw new IOException(file + ": tensors '" + previous.name() + "' " + range(previous, dataStart)
                        + " and '" + t.name() + "' " + range(t, dataStart) + " overlap");
            }
            if (t.start() + t.byteSize() > size) {
                throw new IOException(file + ": truncated: expected " + (t.start() + t.byteSize()) + " bytes, found "
                        + size + " (tensor '" + t.name() + "' ends at data offset " + (t.start() + t.byteSize() - dataStart) + ")");
            }
            byName.put(t.name(), t);
            previous = t.byteSize() > 0 ? t : previous;
        }
        return byName;
    }

    private static String range(TensorInfo t, long dataStart) {
        return "[" + (t.start() - dataStart) + ", " + (t.start() - dataStart + t.byteSize()) + ")";
    }

    private static void readMetadata(Path file, JsonElement json, Map<String, String> metadata) throws IOException {
        if (!json.isJsonObject()) {
            throw new IOException(file + ": __metadata__ must be an object of strings, got " + json);
        }
        for (Map.Entry<String, JsonElement> m : json.getAsJsonObject().entrySet()) {
            JsonElement v = m.getValue();
            metadata.put(m.getKey(), v.isJsonPrimitive() ? v.getAsString() : v.toString());
        }
    }

    private static TensorInfo entry(Path file, String name, JsonElement json, long dataStart) throws IOException {
        String where = file + ": tensor '" + name + "'";
        if (!json.isJsonObject()) {
            throw new IOException(where + ": entry must be an object {dtype, shape, data_offsets}, got " + json);
        }
        JsonObject o = json.getAsJsonObject();
        JsonElement dtypeJson = required(o, "dtype", where);
        if (!dtypeJson.isJsonPrimitive() || !dtypeJson.getAsJsonPrimitive().isString()) {
            throw new IOException(where + ": dtype must be a string, got " + dtypeJson);
        }
        SafetensorsDtype dtype;
        try {
            dtype = SafetensorsDtype.parse(dtypeJson.getAsString());
        } catch (IllegalArgumentException e) {
            throw new IOException(where + " has " + e.getMessage());
        }
        JsonArray shapeJson = array(required(o, "shape", where), "shape", where);
        long[] shape = new long[shapeJson.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegative(shapeJson.get(i), "shape", where);
        }
        JsonArray offsets = array(required(o, "data_offsets", where), "data_offsets", where);
        if (offsets.size() != 2) {
            throw new IOException(where + ": data_offsets must be [begin, end], got " + offsets);
        }
        long begin = nonNegative(offsets.get(0), "data_offsets", where);
        long end = nonNegative(offsets.get(1), "data_offsets", where);
        if (end < begin) {
            throw new IOException(where + ": data_offsets " + offsets + " end before they begin");
        }
        long expected;
        try {
            expected = Math.multiplyExact(TensorInfo.elements(shape), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new IOException(where + ": shape " + shapeJson + " overflows");
        }
        if (end - begin != expected) {
            throw new IOException(where + ": shape " + shapeJson + " x " + dtype + " (" + dtype.bytes() + " bytes) = "
                    + expected + " bytes, but data_offsets " + offsets + " span " + (end - begin));
        }
        if (begin > Long.MAX_VALUE - dataStart - expected) {
            throw new IOException(where + ": data_offsets " + offsets + " overflow");
        }
        return new TensorInfo(name, dtype, shape, file, dataStart + begin, expected);
    }

    private static JsonElement required(JsonObject o, String field, String where) throws IOException {
        JsonElement v = o.get(field);
        if (v == null || v.isJsonNull()) {
            throw new IOException(where + ": missing field '" + field + "'");
        }
        return v;
    }

    private static JsonArray array(JsonElement v, String field, String where) throws IOException {
        if (!v.isJsonArray()) {
            throw new IOException(where + ": " + field + " must be an array, got " + v);
        }
        return v.getAsJsonArray();
    }

    private static long nonNegative(JsonElement v, String field, String where) throws IOException {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            BigDecimal value = v.getAsBigDecimal();
            if (value.signum() >= 0 && value.stripTrailingZeros().scale() <= 0 && value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
                return value.longValueExact();
            }
        }
        throw new IOException(where + ": " + field + " must hold non-negative integers, got " + v);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + at);
            }
            at += n;
        }
    }
}
