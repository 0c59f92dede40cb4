package mpo4j.hf;

/** Receives per-file progress from {@link HfDownloader}, for a progress bar. */
@FunctionalInterface
public interface DownloadProgress {
    /** Ignores all updates. */
    DownloadProgress NONE = (file, done, total) -> { };

    /**
     * {@code done} of {@code total} bytes of {@code file} are on disk ({@code total} is -1 when the
     * server did not say). Called when a transfer starts (with the bytes kept from an interrupted one),
     * as data arrives, and once with {@code done == total} at the end.
     */
    void update(String file, long done, long total);
}
