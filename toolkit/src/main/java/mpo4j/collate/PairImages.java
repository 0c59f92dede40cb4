package mpo4j.collate;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import mpo4j.data.PreferencePair;
import mpo4j.vision.ImageTiles;
import mpo4j.vision.RgbImages;
import mpo4j.vision.Tiling;

/**
 * Loads and tiles the images of a list of pairs, once per pair, and packs them the way
 * {@link PreferenceBatch} stores them. Shared by both collators.
 */
final class PairImages {
    final ImageTiles[][] tiles;     // [pair][image]
    final int[] tileOffsets;        // [pairs + 1]
    final float[] pixelValues;
    final int[] imageFlags;
    final int totalTiles;

    private PairImages(ImageTiles[][] tiles, int tileSize) {
        this.tiles = tiles;
        this.tileOffsets = new int[tiles.length + 1];
        for (int p = 0; p < tiles.length; p++) {
            int n = 0;
            for (ImageTiles t : tiles[p]) n += t.count();
            tileOffsets[p + 1] = tileOffsets[p] + n;
        }
        this.totalTiles = tileOffsets[tiles.length];
        int floats = 3 * tileSize * tileSize;
        this.pixelValues = new float[totalTiles * floats];
        int at = 0;
        for (ImageTiles[] pair : tiles) {
            for (ImageTiles t : pair) {
                System.arraycopy(t.pixels(), 0, pixelValues, at, t.pixels().length);
                at += t.pixels().length;
            }
        }
        // mpo4j feeds no tile for a text-only pair (InternVL feeds a blank one with flag 0), so every stored tile is real
        this.imageFlags = new int[totalTiles];
        java.util.Arrays.fill(imageFlags, 1);
    }

    /** Tiles (thumbnail included) of each image of pair {@code p}. */
    int[] tilesPerImage(int p) {
        int[] n = new int[tiles[p].length];
        for (int i = 0; i < n.length; i++) n[i] = tiles[p][i].count();
        return n;
    }

    /**
     * @param call    how many batches this collator made before (so augmentation differs per batch)
     * @param threads image decoding threads; results keep pair order whatever the thread count
     */
    static PairImages load(List<PreferencePair> pairs, Tiling tiling, long seed, long call, int threads) {
        ImageTiles[][] tiles = new ImageTiles[pairs.size()][];
        if (threads <= 1 || pairs.size() < 2) {
            for (int p = 0; p < pairs.size(); p++) tiles[p] = loadPair(pairs.get(p), p, tiling, seed, call);
        } else {
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                pool.submit(() -> IntStream.range(0, pairs.size()).parallel()
                        .forEach(p -> tiles[p] = loadPair(pairs.get(p), p, tiling, seed, call))).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading images", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } finally {
                pool.shutdown();
            }
        }
        return new PairImages(tiles, tiling.tileSize());
    }

    private static ImageTiles[] loadPair(PreferencePair pair, int index, Tiling tiling, long seed, long call) {
        Integer max = pair.imageOptions().maxDynamicPatch();
        Tiling own = (max != null ? tiling.withMaxTiles(max) : tiling).perImage(pair.images().size());
        ImageTiles[] out = new ImageTiles[pair.images().size()];
        for (int i = 0; i < out.length; i++) {
            BufferedImage img = RgbImages.read(pair.images().get(i), pair.source());
            if (pair.imageOptions().augment()) {
                img = RgbImages.jpegDegrade(img, new Random(mix(seed, call, index, i)));
            }
            out[i] = own.tile(img);
        }
        return out;
    }

    /** A seed for one image's augmentation, from the user seed and the image's place in the run. */
    static long mix(long seed, long call, int pair, int image) {
        long h = seed;
        for (long v : new long[] {call, pair, image}) {
            h = (h ^ v) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 31;
        }
        return h;
    }
}
