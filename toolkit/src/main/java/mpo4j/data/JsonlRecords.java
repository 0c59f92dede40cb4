package mpo4j.data;

import java.util.List;
import java.util.function.Function;

/** A leaf dataset: some lines of one indexed JSONL file, each parsed into a record when read. */
final class JsonlRecords<T> extends Dataset<T> {
    private final JsonlFile file;
    private final int[] lines; // record numbers in the file, in order; may repeat
    private final Function<JsonLine, T> parser;
    private final long skipped;
    private final String fileKey; // the file as an absolute path, computed once for every record's source key

    JsonlRecords(JsonlFile file, int[] lines, Function<JsonLine, T> parser, long skipped, long seed) {
        super(seed);
        this.file = file;
        this.lines = lines;
        this.parser = parser;
        this.skipped = skipped;
        this.fileKey = ((Source) sourceKey(new Source(file.path().toString(), 1))).file();
    }

    @Override
    public int size() { return lines.length; }

    @Override
    protected T read(int i) {
        int r = lines[i];
        return parser.apply(JsonLine.parse(file.source(r), file.line(r)));
    }

    @Override
    Object recordKey(int i) { return new Source(fileKey, file.source(lines[i]).line()); }

    @Override
    protected List<Dataset<?>> parents() { return List.of(); }

    @Override
    public List<String> sources() { return List.of(file.path().toString()); }

    @Override
    public long skipped() { return skipped; }
}
