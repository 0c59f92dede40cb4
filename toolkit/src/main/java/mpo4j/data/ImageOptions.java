package mpo4j.data;

/**
 * Per-dataset image settings carried by each pair (from an MMPR meta.json entry).
 *
 * @param maxDynamicPatch tile limit for this dataset's images, or {@code null} to use the collator's
 * @param augment         {@code data_augment}: random JPEG re-encode (quality 75–100) before resizing
 */
public record ImageOptions(Integer maxDynamicPatch, boolean augment) {
    public static final ImageOptions DEFAULT = new ImageOptions(null, false);
}
