package mpo4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.Source;
import mpo4j.text.Labels;

/** Hand-built preference batches in the collator's layout (the collator is not needed to test the model). */
final class TestBatches {
    private TestBatches() {}

    /**
     * The tiny model's shapes with fewer layers (2 decoder, 1 vision): every code path of the full model
     * at a fraction of the test time on a shared 2-core machine.
     */
    static TinyVlmConfig small() {
        TinyVlmConfig tiny = TinyVlmConfig.tinyVlm();
        return tiny.withVision(tiny.vision().withLayers(1)).withText(tiny.text().withLayers(2));
    }

    /**
     * {@code pairs} pairs, each with {@code tilesPerPair} tiles, a prompt of {@code promptText} text tokens
     * plus {@code <img>}, the image tokens and {@code </img>}, then chosen/rejected completions of the
     * given lengths (rejected rows shorter, so padding is exercised).
     */
    static PreferenceBatch batch(TinyVlmConfig config, int pairs, int tilesPerPair, int promptText, int chosenLen, int rejectedLen, long seed) {
        Random random = new Random(seed);
        TokenIds ids = config.tokens();
        int perTile = config.tokensPerTile();
        List<long[]> prompts = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            List<Long> prompt = new ArrayList<>();
            for (int i = 0; i < promptText; i++) {
                prompt.add(text(random));
            }
            if (tilesPerPair > 0) {
                prompt.add(1, (long) ids.imgStart());
                for (int i = 0; i < tilesPerPair * perTile; i++) {
                    prompt.add(2 + i, (long) ids.imgContext());
                }
                prompt.add(2 + tilesPerPair * perTile, (long) ids.imgEnd());
            }
            prompts.add(prompt.stream().mapToLong(Long::longValue).toArray());
        }
        SequenceBatch chosen = rows(prompts, chosenLen, ids, random, 0);
        SequenceBatch rejected = rows(prompts, rejectedLen, ids, random, 1);
        int size = config.hasVision() ? config.vision().tileSize() : 1;
        int tiles = pairs * tilesPerPair;
        float[] pixels = new float[tiles * 3 * size * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        int[] offsets = new int[pairs + 1];
        for (int p = 0; p <= pairs; p++) {
            offsets[p] = p * tilesPerPair;
        }
        int[] flags = new int[tiles];
        Arrays.fill(flags, 1);
        List<Source> sources = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            sources.add(new Source("test.jsonl", p + 1));
        }
        return new PreferenceBatch(chosen, rejected, pixels, tiles, size, flags, offsets, sources, null, null);
    }

    /** Completions of length {@code len - variation*p} (at least 2) after each prompt; labels mark the completion. */
    static SequenceBatch rows(List<long[]> prompts, int len, TokenIds ids, Random random, int variation) {
        int n = prompts.size();
        int[] lengths = new int[n];
        for (int p = 0; p < n; p++) {
            lengths[p] = prompts.get(p).length + Math.max(2, len - variation * p);
        }
        int width = Arrays.stream(lengths).max().orElse(0);
        long[] input = new long[n * width];
        long[] labels = new long[n * width];
        Arrays.fill(input, ids.pad());
        Arrays.fill(labels, Labels.IGNORE);
        for (int p = 0; p < n; p++) {
            long[] prompt = prompts.get(p);
            System.arraycopy(prompt, 0, input, p * width, prompt.length);
            for (int t = prompt.length; t < lengths[p]; t++) {
                long token = t == lengths[p] - 1 ? ids.eos() : text(random);
                input[p * width + t] = token;
                labels[p * width + t] = token;
            }
        }
        return new SequenceBatch(n, width, input, labels, lengths, ids.pad());
    }

    static long text(Random random) { return 10 + random.nextInt(1900); }
}
