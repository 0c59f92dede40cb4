package mpo4j.data;

import java.util.List;

/**
 * A dataset straight from a reader. It remembers how it was read, so {@link #seed(long)} re-draws the
 * reader's own randomness (MMPR {@code repeat_time} sampling and per-dataset shuffles) and
 * {@link #onError(OnError)} re-reads with another bad-line policy. File indexes are cached by the reader.
 */
final class Loaded<T> extends Dataset<T> {
    /** Reads the records for a seed and a bad-line policy. */
    interface Reader<T> {
        Dataset<T> read(long seed, OnError mode);
    }

    private final Reader<T> reader;
    private final OnError mode;
    private final Dataset<T> data;

    Loaded(Reader<T> reader, long seed, OnError mode) {
        super(seed);
        this.reader = reader;
        this.mode = mode;
        this.data = reader.read(seed, mode);
    }

    @Override
    public int size() { return data.size(); }

    @Override
    protected T read(int i) { return data.read(i); }

    @Override
    Object recordKey(int i) { return data.recordKey(i); }

    @Override
    protected List<Dataset<?>> parents() { return List.of(data); }

    @Override
    public Dataset<T> seed(long seed) { return new Loaded<>(reader, seed, mode); }

    @Override
    public Dataset<T> onError(OnError mode) { return new Loaded<>(reader, seed(), mode); }
}
