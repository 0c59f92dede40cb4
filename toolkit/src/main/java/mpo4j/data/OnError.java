package mpo4j.data;

/** What a reader does with a bad line (malformed JSON, missing field, missing image, ...). */
public enum OnError {
    /** Throw a {@link DatasetException} naming file, line and field (the default). */
    FAIL,
    /**
     * Validate every line once at load time, drop the bad ones, count them ({@link Dataset#skipped()})
     * and log one warning per file with the first problem. Never silent.
     */
    SKIP
}
