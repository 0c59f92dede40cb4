package mpo4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Entry point for reading preference data. {@link #load(Path)} recognises the format:
 * <ul>
 *   <li>a {@code .json} file: an MMPR meta.json (InternVL layout, {@code repeat_time} mixing)</li>
 *   <li>a {@code .jsonl} file: MMPR annotation lines ({@code question} key) or TRL preference lines
 *       (standard/conversational, explicit/implicit prompt)</li>
 *   <li>a {@code .parquet} file: a Hugging Face Parquet shard in TRL's format, images embedded as
 *       {@code {bytes, path}} structs and kept in memory (see {@link #parquet(Path, String)})</li>
 *   <li>a folder: its {@code meta.json} if present, else its Parquet {@code train} split (the Hugging Face
 *       layout {@code data/train-*.parquet}, or {@code train-*.parquet}, {@code train/*.parquet}, or all
 *       its {@code .parquet} files), else all its {@code .jsonl} files in name order</li>
 * </ul>
 * Records are read lazily: each {@code get(i)} parses its line and checks its image files (they exist
 * and their header decodes as an image; a full decode is the vision package's job). Bad lines throw a
 * {@link DatasetException} naming file, line and field when read; {@link Dataset#validate()} reads every
 * line up front, and {@link Dataset#onError(OnError) onError(SKIP)} drops and counts bad lines at load.
 */
public final class Datasets {
    private Datasets() {}

    /** Loads preference pairs from a meta.json, a JSONL file or a folder (see class doc). */
    public static Dataset<PreferencePair> load(String path) {
        return load(Path.of(path));
    }

    /**
     * Loads preference pairs from a meta.json, a JSONL file or a folder (see class doc). A data file
     * without records is an error (see {@link #load(Path, LoadOptions)}).
     */
    public static Dataset<PreferencePair> load(Path path) {
        return load(path, LoadOptions.defaults());
    }

    /** Loads preference pairs with explicit options, e.g. {@code LoadOptions.defaults().allowEmpty(true)}. */
    public static Dataset<PreferencePair> load(Path path, LoadOptions options) {
        return new Loaded<>(reader(path, options), 0, OnError.FAIL);
    }

    /**
     * Reads one split of a Hugging Face Parquet dataset: a single {@code .parquet} file, or the split's
     * shards in a dataset folder ({@code data/<split>-*.parquet} as {@code datasets} and the Hub write
     * them, or {@code <split>-*.parquet}, or {@code <split>/*.parquet}), in name order. Rows are read
     * one row group at a time, so the heap holds one group whatever the dataset's size.
     *
     * @param split e.g. {@code "train"} or {@code "test"}; ignored for a single file
     */
    public static Dataset<PreferencePair> parquet(Path path, String split) {
        return parquet(path, split, LoadOptions.defaults());
    }

    /** {@link #parquet(Path, String)} with explicit options. */
    public static Dataset<PreferencePair> parquet(Path path, String split, LoadOptions options) {
        return new Loaded<>(parquetReader(path, split, options), 0, OnError.FAIL);
    }

    /** Reads an MMPR meta.json explicitly. */
    public static Dataset<PreferencePair> mmpr(Path metaJson) {
        return new Loaded<>(MmprReader.meta(metaJson, false), 0, OnError.FAIL);
    }

    /** Reads one MMPR annotation JSONL explicitly, in file order (images resolve against its folder). */
    public static Dataset<PreferencePair> mmprAnnotation(Path jsonl) {
        return new Loaded<>(MmprReader.annotation(indexWithRecords(jsonl, LoadOptions.defaults())), 0, OnError.FAIL);
    }

    /** Reads TRL preference JSONL explicitly (images resolve against the file's folder). */
    public static Dataset<PreferencePair> trl(Path jsonl) {
        return new Loaded<>(new FileReader<>(indexWithRecords(jsonl, LoadOptions.defaults()), TrlReader.parser(folder(jsonl))), 0, OnError.FAIL);
    }

    /** Loads reward-model pairs from a JSONL file, or a folder of them (see {@link RewardReader} for the schema). */
    public static Dataset<RewardPair> loadReward(String path) {
        return loadReward(Path.of(path));
    }

    /** Loads reward-model pairs from a JSONL file, or a folder of them. */
    public static Dataset<RewardPair> loadReward(Path path) {
        return loadReward(path, LoadOptions.defaults());
    }

    /** Loads reward-model pairs with explicit options. */
    public static Dataset<RewardPair> loadReward(Path path, LoadOptions options) {
        List<Path> files = Files.isDirectory(path) ? jsonlFiles(path) : List.of(path);
        if (files.isEmpty()) {
            throw new DatasetException(new Source(path.toString(), 0), null, "folder has no .jsonl files");
        }
        List<Loaded.Reader<RewardPair>> readers = new ArrayList<>();
        for (Path f : files) {
            readers.add(new FileReader<>(indexWithRecords(f, options), RewardReader.parser(folder(f))));
        }
        return new Loaded<>(concatReaders(readers), 0, OnError.FAIL);
    }

    /**
     * An in-memory dataset (handy in tests and notebooks). Pairs read from a file keep their file and
     * line as source record (so {@link Dataset#split(double)} still keeps their copies together); any
     * other element is its own source record.
     */
    public static <T> Dataset<T> of(List<T> records) {
        List<T> copy = List.copyOf(records);
        return new Dataset<>(0) {
            @Override
            public int size() { return copy.size(); }

            @Override
            protected T read(int i) { return copy.get(i); }

            @Override
            Object recordKey(int i) {
                Source source = copy.get(i) instanceof PreferencePair p ? p.source() : copy.get(i) instanceof RewardPair r ? r.source() : null;
                return source != null && source.line() > 0 ? sourceKey(source) : super.recordKey(i);
            }

            @Override
            protected List<Dataset<?>> parents() { return List.of(); }

            @Override
            public List<String> sources() { return List.of("(in memory)"); }
        };
    }

    /** The datasets one after another (the first one's seed is kept). */
    public static <T> Dataset<T> concat(List<Dataset<T>> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat needs at least one dataset");
        return new Views.Concat<>(parts, parts.get(0).seed());
    }

    /**
     * Mixing by ratio: {@code Datasets.<PreferencePair>mix().add(a, 0.7).add(b, 0.3).size(1000).seed(42).build()}.
     */
    public static <T> Mix<T> mix() {
        return new Mix<>();
    }

    /**
     * Mixing by ratio from a map of dataset → weight, with the size that needs no repetition. The map's
     * iteration order decides the draw, so it must be a {@link java.util.LinkedHashMap} or a sorted map
     * ({@code Map.of} and {@code HashMap} orders change between JVM runs).
     */
    public static <T> Dataset<T> mix(java.util.Map<Dataset<T>, Double> weights, long seed) {
        if (weights.size() > 1 && !(weights instanceof java.util.LinkedHashMap) && !(weights instanceof java.util.SortedMap)) {
            throw new IllegalArgumentException("mix(map, seed) needs a LinkedHashMap (insertion order); the order of "
                    + weights.getClass().getSimpleName() + " is not reproducible. Or use mix().add(a, w).add(b, w).build()");
        }
        Mix<T> mix = new Mix<T>().seed(seed);
        weights.forEach(mix::add);
        return mix.build();
    }

    private static Loaded.Reader<PreferencePair> reader(Path path, LoadOptions options) {
        if (Files.isDirectory(path)) {
            Path meta = path.resolve("meta.json");
            if (Files.isRegularFile(meta)) return MmprReader.meta(meta, options.allowEmpty());
            List<Path> shards = parquetShards(path, "train");
            if (shards.isEmpty()) shards = filesEndingWith(path, ".parquet");
            if (!shards.isEmpty()) return ParquetReader.open(shards, options);
            List<Path> files = jsonlFiles(path);
            if (files.isEmpty()) {
                throw new DatasetException(new Source(path.toString(), 0), null, "folder has neither a meta.json nor .jsonl files");
            }
            List<Loaded.Reader<PreferencePair>> readers = new ArrayList<>();
            for (Path f : files) readers.add(jsonlReader(f, options));
            return concatReaders(readers);
        }
        if (!Files.isRegularFile(path)) {
            throw new DatasetException(new Source(path.toString(), 0), null, "file not found");
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".json")) return MmprReader.meta(path, options.allowEmpty());
        if (name.endsWith(".parquet")) return ParquetReader.open(List.of(path), options);
        return jsonlReader(path, options);
    }

    private static ParquetReader parquetReader(Path path, String split, LoadOptions options) {
        if (Files.isRegularFile(path)) return ParquetReader.open(List.of(path), options);
        if (!Files.isDirectory(path)) throw new DatasetException(new Source(path.toString(), 0), null, "file not found");
        List<Path> shards = parquetShards(path, split);
        if (shards.isEmpty()) {
            throw new DatasetException(new Source(path.toString(), 0), null, "no Parquet shards for split \"" + split
                    + "\" (looked for data/" + split + "-*.parquet, " + split + "-*.parquet and " + split + "/*.parquet); Parquet files here: "
                    + java.util.stream.Stream.concat(filesEndingWith(path.resolve("data"), ".parquet").stream(), filesEndingWith(path, ".parquet").stream())
                            .map(p -> path.relativize(p).toString()).toList());
        }
        return ParquetReader.open(shards, options);
    }

    /** The Hugging Face split layout: {@code data/<split>-*.parquet}, {@code <split>-*.parquet} or {@code <split>/*.parquet}. */
    private static List<Path> parquetShards(Path folder, String split) {
        for (Path dir : List.of(folder.resolve("data"), folder)) {
            List<Path> named = filesEndingWith(dir, ".parquet").stream().filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(split + "-") || n.equals(split + ".parquet");
            }).toList();
            if (!named.isEmpty()) return named;
        }
        return filesEndingWith(folder.resolve(split), ".parquet");
    }

    /**
     * Tells MMPR annotation lines ({@code question}) from TRL lines ({@code chosen} without
     * {@code question}) by the first of the first 20 records that parses. A file whose sniffed lines
     * are all malformed is read as TRL, so the first read (or SKIP) reports them with their lines.
     */
    private static Loaded.Reader<PreferencePair> jsonlReader(Path path, LoadOptions options) {
        JsonlFile file = indexWithRecords(path, options);
        for (int i = 0; i < Math.min(file.size(), 20); i++) {
            JsonLine line;
            try {
                line = JsonLine.parse(file.source(i), file.line(i));
            } catch (DatasetException e) {
                continue;
            }
            if (line.json.has("response0")) {
                throw new DatasetException(file.source(i), null,
                        "this is a reward-model file (response0/response1/labels): use loadReward / rewardDataset");
            }
            if (line.json.has("question")) {
                return MmprReader.annotation(file);
            }
            if (line.json.has("chosen")) {
                break;
            }
            throw new DatasetException(file.source(i), null,
                    "unknown format: expected MMPR keys (question, chosen, rejected) or TRL keys (prompt?, chosen, rejected), found " + line.json.keySet());
        }
        return new FileReader<>(file, TrlReader.parser(folder(path)));
    }

    /** Indexes a data file; one without records is an error unless the options allow it. */
    private static JsonlFile indexWithRecords(Path path, LoadOptions options) {
        JsonlFile file = JsonlFile.index(path);
        if (file.size() == 0 && !options.allowEmpty()) {
            throw new DatasetException(new Source(path.toString(), 0), null, "no records (the file is empty or holds only blank lines);"
                    + " load with LoadOptions.defaults().allowEmpty(true) if an empty dataset is intended");
        }
        return file;
    }

    private static <T> Loaded.Reader<T> concatReaders(List<Loaded.Reader<T>> readers) {
        if (readers.size() == 1) return readers.get(0);
        return (seed, mode) -> {
            List<Dataset<T>> parts = new ArrayList<>();
            for (Loaded.Reader<T> r : readers) parts.add(r.read(seed, mode));
            return new Views.Concat<>(parts, seed);
        };
    }

    private static List<Path> jsonlFiles(Path folder) {
        return filesEndingWith(folder, ".jsonl");
    }

    /** The folder's files whose name ends with {@code suffix}, in name order (none when it is not a folder). */
    private static List<Path> filesEndingWith(Path folder, String suffix) {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static Path folder(Path file) {
        return file.getParent() == null ? Path.of("") : file.getParent();
    }

    /** One JSONL file, all its (good) lines in file order. */
    private record FileReader<T>(JsonlFile file, Function<JsonLine, T> parser, LineSelection selection) implements Loaded.Reader<T> {
        FileReader(JsonlFile file, Function<JsonLine, T> parser) {
            this(file, parser, new LineSelection());
        }

        @Override
        public Dataset<T> read(long seed, OnError mode) {
            LineSelection.Lines lines = selection.select(file, parser, mode);
            return new JsonlRecords<>(file, lines.good(), parser, lines.skipped(), seed);
        }
    }
}
