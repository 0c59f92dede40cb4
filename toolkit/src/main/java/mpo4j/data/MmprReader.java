package mpo4j.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads InternVL's MMPR layout: a meta.json naming sub-datasets, each an annotation JSONL with
 * {@code image} (string, list or absent), {@code question}, {@code chosen}, {@code rejected}.
 *
 * <p>Mixing follows InternVL: {@code repeat_time r < 1} samples {@code floor(N·r)} lines without
 * replacement, {@code r > 1} must be a whole number (InternVL asserts it; {@code 2.0} is accepted)
 * and repeats the lines {@code r} times; each sub-dataset is then shuffled by a generator seeded from
 * its position in meta.json (mpo4j: and the user seed), and the sub-datasets are concatenated in
 * meta.json order. {@code max_dynamic_patch} must be a whole number; {@code length} is informational
 * and a warning says when it differs from the file's real record count.
 */
final class MmprReader implements Loaded.Reader<PreferencePair> {
    private static final Logger LOG = LoggerFactory.getLogger(MmprReader.class);
    /** The most records one dataset can index (Java arrays stop just short of 2^31). */
    static final long MAX_RECORDS = Integer.MAX_VALUE - 8;

    /** One meta.json entry, with its file already indexed. */
    record Entry(String name, int position, JsonlFile file, Path root, double repeatTime, ImageOptions options,
                 Function<JsonLine, PreferencePair> parser) {}

    private final List<Entry> entries;
    private final boolean shuffle; // false for a bare annotation file: keep file order
    private final LineSelection selection = new LineSelection();

    private MmprReader(List<Entry> entries, boolean shuffle) {
        this.entries = entries;
        this.shuffle = shuffle;
    }

    /**
     * Reads a meta.json (relative {@code root}/{@code annotation} paths resolve against its folder).
     * An annotation file without records is an error unless {@code allowEmpty}.
     */
    static MmprReader meta(Path meta, boolean allowEmpty) {
        Source where = new Source(meta.toString(), 0);
        JsonElement parsed;
        try {
            byte[] bytes = Files.readAllBytes(meta);
            String problem = Utf8.byteOrderMarkProblem(bytes, bytes.length);
            if (problem != null) throw new DatasetException(new Source(meta.toString(), 1), null, problem);
            String text = Utf8.decode(bytes, meta.toString(), 1);
            parsed = JsonParser.parseString(text.startsWith("\uFEFF") ? text.substring(1) : text);
        } catch (IOException e) {
            throw new DatasetException(where, null, "cannot read meta file (" + e.getMessage() + ")", e);
        } catch (JsonParseException e) {
            throw new DatasetException(where, null, "malformed JSON in meta file (" + e.getMessage() + ")", e);
        }
        if (!parsed.isJsonObject() || parsed.getAsJsonObject().isEmpty()) {
            throw new DatasetException(where, null, "a meta.json must be a non-empty object: dataset name -> {root, annotation, repeat_time}");
        }
        Path folder = meta.toAbsolutePath().getParent();
        Path shown = meta.getParent() == null ? Path.of("") : meta.getParent();
        List<Entry> entries = new ArrayList<>();
        int position = 0;
        long total = 0;
        for (Map.Entry<String, JsonElement> e : parsed.getAsJsonObject().entrySet()) {
            String name = e.getKey();
            if (!e.getValue().isJsonObject()) {
                throw new DatasetException(where, name, "expected an object {root, annotation, repeat_time}, found " + JsonLine.kind(e.getValue()));
            }
            JsonObject o = e.getValue().getAsJsonObject();
            String annotation = metaString(o, name, "annotation", where);
            String root = metaString(o, name, "root", where);
            double repeat = metaNumber(o, name, "repeat_time", where).doubleValue();
            if (!(repeat > 0) || Double.isInfinite(repeat)) {
                throw new DatasetException(where, name + ".repeat_time", "must be a positive number, found " + o.get("repeat_time"));
            }
            if (repeat > 1 && repeat != Math.rint(repeat)) {
                throw new DatasetException(where, name + ".repeat_time", "must be a whole number when above 1 (InternVL asserts an int), found "
                        + o.get("repeat_time") + ": use " + (long) Math.floor(repeat) + " or " + (long) Math.ceil(repeat)
                        + ", or a value below 1 to sample a fraction");
            }
            Integer maxPatch = null;
            if (o.has("max_dynamic_patch") && !o.get("max_dynamic_patch").isJsonNull()) {
                double m = metaNumber(o, name, "max_dynamic_patch", where).doubleValue();
                if (m != Math.rint(m) || m < 1 || m > Integer.MAX_VALUE) {
                    throw new DatasetException(where, name + ".max_dynamic_patch", "must be a whole number >= 1, found " + o.get("max_dynamic_patch"));
                }
                maxPatch = (int) m;
            }
            boolean augment = false;
            if (o.has("data_augment") && !o.get("data_augment").isJsonNull()) {
                JsonElement a = o.get("data_augment");
                if (!a.isJsonPrimitive() || !a.getAsJsonPrimitive().isBoolean()) {
                    throw new DatasetException(where, name + ".data_augment", "expected true or false, found " + JsonLine.kind(a));
                }
                augment = a.getAsBoolean();
            }
            Path annotationPath = resolve(shown, folder, annotation);
            Path rootPath = resolve(shown, folder, root);
            if (!Files.isRegularFile(annotationPath)) {
                throw new DatasetException(where, name + ".annotation", (Files.exists(annotationPath) ? "not a file: " : "file not found: ") + annotationPath);
            }
            JsonlFile file = JsonlFile.index(annotationPath);
            if (file.size() == 0 && !allowEmpty) {
                throw new DatasetException(where, name + ".annotation", annotationPath + " has no records (empty or only blank lines);"
                        + " remove the entry, or load with LoadOptions.defaults().allowEmpty(true)");
            }
            long records = repeat < 1 ? (long) Math.floor(file.size() * repeat) : (long) file.size() * (long) repeat;
            total += records;
            if (records > MAX_RECORDS || total > MAX_RECORDS) {
                throw new DatasetException(where, name + ".repeat_time", "repeat_time " + o.get("repeat_time") + " makes " + records
                        + " records from " + file.size() + " lines" + (records > MAX_RECORDS ? "" : " (" + total + " with the entries before it)")
                        + ", more than a dataset can hold (" + MAX_RECORDS + ")");
            }
            // the index is one int per record: refuse what cannot fit rather than die in an OutOfMemoryError later
            long indexBytes = total * Integer.BYTES;
            long heap = Runtime.getRuntime().maxMemory();
            if (indexBytes > heap / 2) {
                throw new DatasetException(where, name + ".repeat_time", "repeat_time " + o.get("repeat_time") + " makes " + records
                        + " records from " + file.size() + " lines; indexing " + total + " records needs " + (indexBytes >> 20)
                        + " MB, more than half the heap (" + (heap >> 20) + " MB)");
            }
            warnOnLength(o, name, meta, annotationPath, file.size());
            ImageOptions options = new ImageOptions(maxPatch, augment);
            entries.add(new Entry(name, position++, file, rootPath, repeat, options, annotationParser(rootPath, options)));
        }
        return new MmprReader(entries, true);
    }

    /** {@code length} is informational in InternVL; a stale one is worth a word, not an error. */
    private static void warnOnLength(JsonObject o, String name, Path meta, Path annotation, int actual) {
        JsonElement length = o.get("length");
        if (length != null && length.isJsonPrimitive() && length.getAsJsonPrimitive().isNumber()
                && length.getAsDouble() != actual) {
            LOG.warn("{}: entry \"{}\": length {} but {} has {} records; using {}", meta, name, length, annotation, actual, actual);
        }
    }

    /** A single annotation JSONL read without a meta.json: images resolve against its folder, file order. */
    static MmprReader annotation(JsonlFile file) {
        Path jsonl = file.path();
        Path root = jsonl.getParent() == null ? Path.of("") : jsonl.getParent();
        return new MmprReader(List.of(new Entry(jsonl.getFileName().toString(), 0, file, root, 1.0,
                ImageOptions.DEFAULT, annotationParser(root, ImageOptions.DEFAULT))), false);
    }

    @Override
    public Dataset<PreferencePair> read(long seed, OnError mode) {
        List<Dataset<PreferencePair>> parts = new ArrayList<>();
        for (Entry e : entries) {
            LineSelection.Lines lines = selection.select(e.file(), e.parser(), mode);
            int[] picked = repeat(lines.good(), e.repeatTime(), new Random(Seeds.derive(seed, 2L * e.position())));
            if (shuffle) {
                Dataset.shuffleInPlace(picked, new Random(Seeds.derive(seed, 2L * e.position() + 1)));
            }
            parts.add(new JsonlRecords<>(e.file(), picked, e.parser(), lines.skipped(), seed));
        }
        return new Views.Concat<>(parts, seed);
    }

    List<Entry> entries() { return entries; }

    /** InternVL's repeat_time: {@code r < 1} samples floor(N·r) without replacement, else repeats the lines r times. */
    static int[] repeat(int[] lines, double r, Random random) {
        int n = lines.length;
        if (r < 1) {
            int k = (int) Math.floor(n * r);
            int[] copy = lines.clone();
            // partial Fisher–Yates: the first k slots become a uniform sample without replacement
            for (int i = 0; i < k; i++) {
                int j = i + random.nextInt(n - i);
                int t = copy[i];
                copy[i] = copy[j];
                copy[j] = t;
            }
            return Arrays.copyOf(copy, k);
        }
        int times = (int) r; // a whole number: meta() rejects 1.5 and counts that n·r fits
        int[] out = new int[Math.multiplyExact(n, times)];
        for (int t = 0; t < times; t++) System.arraycopy(lines, 0, out, t * n, n);
        return out;
    }

    static Function<JsonLine, PreferencePair> annotationParser(Path root, ImageOptions options) {
        return line -> {
            List<String> names = line.strings("image");
            List<Path> images = ImagePaths.resolve(names, root, line, "image", true);
            String question = ImagePaths.withPlaceholders(line.string("question"), images.size(), line, "question");
            String chosen = line.string("chosen");
            if (!line.json.has("rejected")) {
                throw line.error("rejected", "missing");
            }
            String rejected = line.optString("rejected"); // explicit null: a generation prompt
            return new PreferencePair(List.of(ChatMessage.user(question)), chosen, rejected, images, line.source, options);
        };
    }

    private static Path resolve(Path shownFolder, Path absFolder, String name) {
        Path p = Path.of(name);
        if (p.isAbsolute()) return p;
        // keep relative paths relative when the meta path was relative, so messages stay short
        return (shownFolder.isAbsolute() ? absFolder : shownFolder).resolve(p).normalize();
    }

    private static String metaString(JsonObject o, String name, String field, Source where) {
        JsonElement v = o.get(field);
        if (v == null || v.isJsonNull()) throw new DatasetException(where, name + "." + field, "missing");
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw new DatasetException(where, name + "." + field, "expected a string, found " + JsonLine.kind(v));
        }
        return v.getAsString();
    }

    private static Number metaNumber(JsonObject o, String name, String field, Source where) {
        JsonElement v = o.get(field);
        if (v == null || v.isJsonNull()) throw new DatasetException(where, name + "." + field, "missing");
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw new DatasetException(where, name + "." + field, "expected a number, found " + JsonLine.kind(v));
        }
        return v.getAsNumber();
    }

}
