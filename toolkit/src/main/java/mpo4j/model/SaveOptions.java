package mpo4j.model;

import java.nio.file.Path;

/**
 * How {@link TinyVlm#save(Path, SaveOptions)} writes a checkpoint.
 *
 * @param tokenizerJson a {@code tokenizer.json} to copy next to the weights (or a folder holding it and
 *                      optionally {@code tokenizer_config.json}), or {@code null}
 * @param maxShardBytes tensor bytes per safetensors file before sharding (default 1 GiB, always below 2 GiB)
 */
public record SaveOptions(Path tokenizerJson, long maxShardBytes) {
    /** safetensors files must stay under 2 GiB. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 1L << 30;

    public SaveOptions {
        if (maxShardBytes <= 0 || maxShardBytes >= (2L << 30)) {
            throw new IllegalArgumentException("maxShardBytes must be in (0, 2 GiB): " + maxShardBytes);
        }
    }

    public static SaveOptions defaults() { return new SaveOptions(null, DEFAULT_MAX_SHARD_BYTES); }

    public SaveOptions withTokenizer(Path tokenizerJson) { return new SaveOptions(tokenizerJson, maxShardBytes); }

    public SaveOptions withMaxShardBytes(long bytes) { return new SaveOptions(tokenizerJson, bytes); }
}
