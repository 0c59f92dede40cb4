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

/**
 * Reads InternVL's MMPR layout: a meta.json naming sub-datasets, each an annotation JSONL with
 * {@code image} (string, list or absent), {@code question}, {@code chosen}, {@code rejected}.
 *
 * <p>Mixing follows InternVL: {@code repeat_time r < 1} samples {@code floor(N·r)} lines without
 * replacement, {@code r ≥ 1} repeats the lines {@code floor(r)} times; each sub-dataset is then
 * shuffled by a generator seeded from its position in meta.json (mpo4j: and the user seed), and the
 * sub-datasets are concatenated in meta.json order.
 */
final class MmprReader implements Loaded.Reader<PreferencePair> {
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

    /** Reads a meta.json (relative {@code root}/{@code annotation} paths resolve against its folder). */
    static MmprReader meta(Path meta) {
        Source where = new Source(meta.toString(), 0);
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(Files.readString(meta));
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
            Integer maxPatch = o.has("max_dynamic_patch") && !o.get("max_dynamic_patch").isJsonNull()
                    ? metaNumber(o, name, "max_dynamic_patch", where).intValue() : null;
            if (maxPatch != null && maxPatch < 1) {
                throw new DatasetException(where, name + ".max_dynamic_patch", "must be >= 1, found " + maxPatch);
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
            ImageOptions options = new ImageOptions(maxPatch, augment);
            entries.add(new Entry(name, position++, JsonlFile.index(annotationPath), rootPath, repeat, options,
                    annotationParser(rootPath, options)));
        }
        return new MmprReader(entries, true);
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

    /** InternVL's repeat_time: {@code r < 1} samples floor(N·r) without replacement, else repeats floor(r) times. */
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
        int times = (int) Math.floor(r);
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
