package mpo4j.data;

import java.util.List;
import java.util.function.Function;

/** The lazy views behind {@link Dataset}'s operations. */
final class Views {
    private Views() {}

    /** Records of a parent picked through an index array ({@code null} = identity). */
    static final class Indexed<T> extends Dataset<T> {
        private final Dataset<T> parent;
        private final int[] index;

        Indexed(Dataset<T> parent, int[] index, long seed) {
            super(seed);
            this.parent = parent;
            this.index = index;
        }

        @Override
        public int size() { return index == null ? parent.size() : index.length; }

        @Override
        protected T read(int i) { return parent.read(index == null ? i : index[i]); }

        @Override
        Object recordKey(int i) { return parent.recordKey(index == null ? i : index[i]); }

        @Override
        protected List<Dataset<?>> parents() { return List.of(parent); }
    }

    static final class Mapped<S, T> extends Dataset<T> {
        private final Dataset<S> parent;
        private final Function<? super S, ? extends T> fn;

        Mapped(Dataset<S> parent, Function<? super S, ? extends T> fn, long seed) {
            super(seed);
            this.parent = parent;
            this.fn = fn;
        }

        @Override
        public int size() { return parent.size(); }

        @Override
        protected T read(int i) { return fn.apply(parent.read(i)); }

        @Override
        Object recordKey(int i) { return parent.recordKey(i); }

        @Override
        protected List<Dataset<?>> parents() { return List.of(parent); }
    }

    static final class Concat<T> extends Dataset<T> {
        private final List<Dataset<T>> parts;
        private final int[] starts; // starts[k] = index of parts[k]'s first record; starts[parts] = size

        Concat(List<Dataset<T>> parts, long seed) {
            super(seed);
            this.parts = List.copyOf(parts);
            this.starts = new int[parts.size() + 1];
            for (int k = 0; k < parts.size(); k++) {
                long next = (long) starts[k] + parts.get(k).size();
                if (next > Integer.MAX_VALUE) throw new IllegalArgumentException("concatenation exceeds 2^31 records");
                starts[k + 1] = (int) next;
            }
        }

        @Override
        public int size() { return starts[parts.size()]; }

        @Override
        protected T read(int i) {
            int k = part(i);
            return parts.get(k).read(i - starts[k]);
        }

        @Override
        Object recordKey(int i) {
            int k = part(i);
            return parts.get(k).recordKey(i - starts[k]);
        }

        /** The last part k with starts[k] <= i; empty parts share their start with the next part and are passed over. */
        private int part(int i) {
            int lo = 0, hi = parts.size() - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (starts[mid] <= i) lo = mid; else hi = mid - 1;
            }
            return lo;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        protected List<Dataset<?>> parents() { return (List) parts; }
    }
}
