package mpo4j.data;

/**
 * How {@link Datasets#load(java.nio.file.Path, LoadOptions)} reads files, as an immutable value:
 * {@code LoadOptions.defaults().allowEmpty(true)}.
 *
 * @param allowEmpty accept a data file (or a meta.json entry's annotation file) without records; by
 *                   default that is an error, because an empty file is far more often a failed export or
 *                   a wrong path than an intended empty dataset
 */
public record LoadOptions(boolean allowEmpty) {
    /** Strict: an empty data file is an error. */
    public static LoadOptions defaults() {
        return new LoadOptions(false);
    }

    /** A copy that accepts ({@code true}) or rejects ({@code false}) data files without records. */
    public LoadOptions allowEmpty(boolean allow) {
        return new LoadOptions(allow);
    }
}
