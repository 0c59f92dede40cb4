package mpo4j.data;

import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A lazy, indexed, immutable list of records (usually {@link PreferencePair}s). Every operation returns
 * a new view; records are read from disk only when {@link #get(int)} asks for them.
 *
 * <p>Randomness comes from one seed: {@link #seed(long)} sets it, and later {@link #shuffle()} /
 * {@link #split(double)} use it (for a dataset read from an MMPR meta.json it also drives the
 * {@code repeat_time} sampling and the per-dataset shuffles).
 *
 * @param <T> the record type
 */
public abstract class Dataset<T> implements Iterable<T> {
    private final long seed;

    protected Dataset(long seed) {
        this.seed = seed;
    }

    /** Number of records. */
    public abstract int size();

    /** Record {@code i} (0-based), read now. */
    public final T get(int i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("index " + i + " out of range for a dataset of " + size());
        }
        return read(i);
    }

    /** Reads record {@code i}; {@code i} is already range-checked. */
    protected abstract T read(int i);

    /** The datasets this one is a view of (empty for a leaf read from a file). */
    protected abstract List<Dataset<?>> parents();

    /** The files (or other origins) this dataset's records come from, in order. */
    public List<String> sources() {
        Set<String> out = new LinkedHashSet<>();
        for (Dataset<?> p : parents()) {
            out.addAll(p.sources());
        }
        return List.copyOf(out);
    }

    /** Bad lines skipped while reading (only with {@link OnError#SKIP}; 0 otherwise). */
    public long skipped() {
        long n = 0;
        for (Dataset<?> p : parents()) {
            n += p.skipped();
        }
        return n;
    }

    /** The seed later {@link #shuffle()} and {@link #split(double)} calls use. */
    public long seed() {
        return seed;
    }

    /** The same records with {@code seed} as the seed of later shuffles and splits. */
    public Dataset<T> seed(long seed) {
        return new Views.Indexed<>(this, null, seed);
    }

    /**
     * How bad lines are handled. Only a dataset straight from a reader (e.g. {@link Datasets#load}) can
     * change it, because skipping changes which lines exist; call it before any shuffle/split/take.
     */
    public Dataset<T> onError(OnError mode) {
        throw new UnsupportedOperationException(
                "onError(" + mode + ") applies to a dataset read from files: call it right after dataset(path), before other operations");
    }

    /**
     * Reads every record now, so any bad line (malformed JSON, missing field or image, placeholder
     * mismatch) throws here rather than mid-training. Returns this dataset.
     */
    public Dataset<T> validate() {
        for (int i = 0, n = size(); i < n; i++) read(i);
        return this;
    }

    /** The first {@code n} records (all of them when {@code n >= size()}). */
    public Dataset<T> take(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("take(" + n + "): n must be >= 0");
        }
        return range(0, Math.min(n, size()));
    }

    /** Records {@code from} (inclusive) to {@code to} (exclusive). */
    public Dataset<T> range(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("range(" + from + ", " + to + ") of a dataset of " + size());
        }
        int[] idx = new int[to - from];
        for (int k = 0; k < idx.length; k++) idx[k] = from + k;
        return new Views.Indexed<>(this, idx, seed);
    }

    /** A random permutation driven by this dataset's {@link #seed()}. */
    public Dataset<T> shuffle() {
        return shuffle(seed);
    }

    /** A random permutation driven by {@code seed} (same seed, same order). */
    public Dataset<T> shuffle(long seed) {
        return new Views.Indexed<>(this, permutation(size(), new Random(seed)), this.seed);
    }

    /**
     * Shuffles with {@link #seed()} and cuts: the train part gets {@code floor(size · trainRatio)}
     * records, eval the rest (Hugging Face {@code train_test_split} with {@code train_size}).
     */
    public Split<T> split(double trainRatio) {
        return split(trainRatio, seed);
    }

    /** Like {@link #split(double)} with an explicit seed. */
    public Split<T> split(double trainRatio, long seed) {
        if (!(trainRatio > 0 && trainRatio < 1)) {
            throw new IllegalArgumentException("split(" + trainRatio + "): the train ratio must be strictly between 0 and 1");
        }
        int n = size();
        int nTrain = (int) Math.floor(n * trainRatio);
        int[] perm = permutation(n, new Random(seed));
        int[] train = Arrays.copyOfRange(perm, 0, nTrain);
        int[] eval = Arrays.copyOfRange(perm, nTrain, n);
        return new Split<>(new Views.Indexed<>(this, train, this.seed), new Views.Indexed<>(this, eval, this.seed));
    }

    /** The records that pass {@code keep}. Reads every record once, now, to build the index. */
    public Dataset<T> filter(Predicate<? super T> keep) {
        int[] idx = new int[16];
        int n = 0;
        for (int i = 0, size = size(); i < size; i++) {
            if (keep.test(read(i))) {
                if (n == idx.length) idx = Arrays.copyOf(idx, n * 2);
                idx[n++] = i;
            }
        }
        return new Views.Indexed<>(this, Arrays.copyOf(idx, n), seed);
    }

    /** A lazy view applying {@code fn} to each record when it is read. */
    public <R> Dataset<R> map(Function<? super T, ? extends R> fn) {
        return new Views.Mapped<>(this, fn, seed);
    }

    /** This dataset followed by {@code others}. */
    @SafeVarargs
    public final Dataset<T> concat(Dataset<T>... others) {
        List<Dataset<T>> parts = new ArrayList<>();
        parts.add(this);
        parts.addAll(List.of(others));
        return Datasets.concat(parts);
    }

    /** Every record, read in order. */
    public Stream<T> stream() {
        return StreamSupport.stream(Spliterators.spliterator(iterator(), size(), Spliterator.ORDERED | Spliterator.SIZED), false);
    }

    /** Reads every record into a list (use on small datasets or after {@link #take(int)}). */
    public List<T> toList() {
        List<T> out = new ArrayList<>(size());
        for (T t : this) out.add(t);
        return out;
    }

    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private int next = 0;

            @Override
            public boolean hasNext() {
                return next < size();
            }

            @Override
            public T next() {
                if (!hasNext()) throw new NoSuchElementException();
                return read(next++);
            }
        };
    }

    /**
     * A Tablesaw view, one row per record: {@code source, prompt, chosen, rejected, images} for
     * preference pairs ({@code source, prompt, response0, response1, images, labels} for reward pairs).
     * Newlines in texts show as a visible {@code \n} so printed tables keep one line per row; token
     * counts (see {@link #table(ToIntFunction)}) use the real text. Reads every record: use
     * {@code take(n).table()} on large datasets.
     */
    public Table table() {
        return Tables.of(this, null);
    }

    /**
     * Like {@link #table()} plus token-length columns ({@code prompt_tokens, chosen_tokens,
     * rejected_tokens}) computed with {@code tokenCount} (e.g. a tokenizer's count method).
     */
    public Table table(ToIntFunction<String> tokenCount) {
        return Tables.of(this, tokenCount);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int n = size();
        sb.append("Dataset of ").append(n).append(n == 1 ? " record" : " records");
        List<String> sources = sources();
        sb.append(" from ").append(sources.size()).append(sources.size() == 1 ? " source" : " sources");
        sb.append(", seed ").append(seed);
        long skipped = skipped();
        if (skipped > 0) {
            sb.append(", ").append(skipped).append(" bad lines skipped");
        }
        sb.append('\n');
        for (String s : sources.subList(0, Math.min(sources.size(), 8))) {
            sb.append("  source: ").append(s).append('\n');
        }
        if (sources.size() > 8) sb.append("  ... ").append(sources.size() - 8).append(" more sources\n");
        int show = Math.min(n, 3);
        for (int i = 0; i < show; i++) {
            sb.append("[").append(i).append("] ").append(Tables.oneLine(read(i))).append('\n');
        }
        if (n > show) sb.append("...\n");
        return sb.toString();
    }

    static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffleInPlace(p, random);
        return p;
    }

    /** Fisher–Yates, from the end (same algorithm as {@code Collections.shuffle}). */
    static void shuffleInPlace(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
