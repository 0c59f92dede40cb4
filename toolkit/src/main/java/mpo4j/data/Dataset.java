package mpo4j.data;

import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 * <p>Every record remembers its <em>source record</em> (file and line) without being read, so
 * repetitions ({@code repeat_time > 1}, mixing, concatenating a dataset with itself) are known to be
 * copies: {@link #split(double)} keeps all copies of a source record on one side, and
 * {@link #sharedRecords(Dataset)} counts records two datasets have in common.
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
        return validate(false);
    }

    /**
     * Like {@link #validate()}; with {@code decodeImages} every image of every pair is also decoded
     * completely, as training will decode it. Loading only reads image headers, so a truncated PNG
     * passes {@link #validate()} and {@link OnError#SKIP}; this finds it, naming file, line and field.
     * Costs a full decode per image.
     */
    public Dataset<T> validate(boolean decodeImages) {
        for (int i = 0, n = size(); i < n; i++) {
            T record = read(i);
            if (decodeImages && record instanceof PreferencePair p) {
                for (java.nio.file.Path image : p.images()) ImagePaths.decodeFully(image, p.source(), "image");
            } else if (decodeImages && record instanceof RewardPair r) {
                for (java.nio.file.Path image : r.images()) ImagePaths.decodeFully(image, r.source(), "image");
            }
        }
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
     * Splits by source record, so no evaluation pair is also a training pair: the {@code D} distinct
     * source records (file and line; see the class doc) are shuffled with {@link #seed()}, the first
     * {@code floor(D · trainRatio)} go to train and the rest to eval, and every record follows its
     * source record, repetitions included. Without repetitions this is Hugging Face's
     * {@code train_test_split} with {@code train_size}: train gets {@code floor(size · trainRatio)}
     * records, in shuffled order. With them, the sides' sizes count copies: {@code repeat_time: 2}
     * doubles a line on whichever side it lands.
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
        // group the records by source record, groups numbered by first appearance
        Map<Object, Integer> groupOf = new HashMap<>();
        int[] group = new int[n];
        int[] members = new int[n + 1]; // counts, then start offsets (CSR)
        for (int i = 0; i < n; i++) {
            Integer g = groupOf.putIfAbsent(recordKey(i), groupOf.size());
            group[i] = g == null ? groupOf.size() - 1 : g;
            members[group[i] + 1]++;
        }
        int groups = groupOf.size();
        for (int g = 0; g < groups; g++) members[g + 1] += members[g];
        int[] byGroup = new int[n];
        int[] fill = Arrays.copyOf(members, groups);
        for (int i = 0; i < n; i++) byGroup[fill[group[i]]++] = i;
        // without repetitions group g is record g: the same permutation and cut as before source tracking
        int[] perm = permutation(groups, new Random(seed));
        int trainGroups = (int) Math.floor(groups * trainRatio);
        int trainSize = 0;
        for (int k = 0; k < trainGroups; k++) trainSize += members[perm[k] + 1] - members[perm[k]];
        int[] train = new int[trainSize];
        int[] eval = new int[n - trainSize];
        int t = 0, e = 0;
        for (int k = 0; k < groups; k++) {
            int g = perm[k];
            for (int m = members[g]; m < members[g + 1]; m++) {
                if (k < trainGroups) train[t++] = byGroup[m]; else eval[e++] = byGroup[m];
            }
        }
        return new Split<>(new Views.Indexed<>(this, train, this.seed), new Views.Indexed<>(this, eval, this.seed));
    }

    /**
     * How many of this dataset's records come from a source record (file and line) that also occurs
     * in {@code other}, e.g. evaluation pairs that are also training pairs. Reads no record.
     */
    public long sharedRecords(Dataset<?> other) {
        Set<Object> theirs = new HashSet<>();
        for (int i = 0, n = other.size(); i < n; i++) theirs.add(other.recordKey(i));
        long shared = 0;
        for (int i = 0, n = size(); i < n; i++) {
            if (theirs.contains(recordKey(i))) shared++;
        }
        return shared;
    }

    /**
     * The identity of record {@code i}'s source record, found without reading it: equal keys mean
     * the same line of the same file (or the same element of the same in-memory list). Views pass
     * the question to their parents; a dataset that cannot tell treats each of its records as its own.
     */
    Object recordKey(int i) {
        return new OwnRecord(this, i);
    }

    /** A record known only by its position in a dataset that tracks no sources. */
    private record OwnRecord(Object dataset, int index) {
        @Override
        public boolean equals(Object o) {
            return o instanceof OwnRecord r && r.dataset == dataset && r.index == index;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(dataset) * 31 + index;
        }
    }

    /** The key of a record read from {@code source}: its file (as an absolute path) and line. */
    static Object sourceKey(Source source) {
        String file = source.file();
        try {
            file = java.nio.file.Path.of(file).toAbsolutePath().normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            // not a path (an inline source): keep the name as it is
        }
        return new Source(file, source.line());
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
