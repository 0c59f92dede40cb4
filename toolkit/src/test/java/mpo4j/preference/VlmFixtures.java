package mpo4j.preference;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Labels;
import mpo4j.model.TokenIds;

/**
 * Hand-made pairs and a character-level collator for the tiny VLM, so trainer tests do not depend
 * on the tokenizer or image pipeline: each character is one token, each pair may carry one random
 * tile (seeded by its question).
 */
final class VlmFixtures {
    static {
        Mpo4jEngine.ensureOffline();
    }

    private VlmFixtures() {}

    /** A small decoder (2 layers, width 64) and, if asked, a 1-layer vision tower. */
    static TinyVlmConfig config(boolean vision) {
        TinyVlmConfig base = TinyVlmConfig.tinyVlm();
        TinyVlmConfig c = base.withText(base.text().withLayers(2).withSize(64, 2, 128));
        return vision ? c.withVision(base.vision().withLayers(1).withWidth(32, 2, 64)) : c.textOnly();
    }

    static TinyVlm model(boolean vision, long seed) {
        return TinyVlm.builder(config(vision)).seed(seed).build();
    }

    /** "what is a+b?" → correct sum (chosen) vs. an off-by-one answer (rejected). */
    static List<PreferencePair> pairs(int n, long seed) {
        Random r = new Random(seed);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int a = r.nextInt(10);
            int b = r.nextInt(10);
            String wrong = Integer.toString(a + b + 1 + r.nextInt(3));
            out.add(PreferencePair.of("<image>\nwhat is " + a + "+" + b + "?", Integer.toString(a + b), wrong,
                    List.of(Path.of("tile-" + i + ".png")), new Source("fixture.jsonl", i + 1)));
        }
        return out;
    }

    static Function<List<PreferencePair>, PreferenceBatch> collator(TinyVlmConfig config) {
        return pairs -> collate(config, pairs);
    }

    static PreferenceBatch collate(TinyVlmConfig config, List<PreferencePair> pairs) {
        TokenIds ids = config.tokens();
        boolean vision = config.hasVision();
        int perTile = config.tokensPerTile();
        List<long[]> prompts = new ArrayList<>();
        for (PreferencePair p : pairs) {
            List<Long> prompt = new ArrayList<>();
            if (vision) {
                prompt.add((long) ids.imgStart());
                for (int i = 0; i < perTile; i++) {
                    prompt.add((long) ids.imgContext());
                }
                prompt.add((long) ids.imgEnd());
            }
            for (char ch : p.question().replace("<image>\n", "").toCharArray()) {
                prompt.add(token(ch));
            }
            prompts.add(prompt.stream().mapToLong(Long::longValue).toArray());
        }
        SequenceBatch chosen = rows(prompts, pairs.stream().map(PreferencePair::chosen).toList(), ids);
        SequenceBatch rejected = rows(prompts, pairs.stream().map(PreferencePair::rejected).toList(), ids);
        int size = vision ? config.vision().tileSize() : 1;
        int tiles = vision ? pairs.size() : 0;
        float[] pixels = new float[tiles * 3 * size * size];
        for (int t = 0; t < tiles; t++) {
            Random r = new Random(pairs.get(t).question().hashCode());
            for (int i = 0; i < 3 * size * size; i++) {
                pixels[t * 3 * size * size + i] = (float) r.nextGaussian();
            }
        }
        int[] offsets = new int[pairs.size() + 1];
        for (int p = 0; p <= pairs.size(); p++) {
            offsets[p] = vision ? p : 0;
        }
        int[] flags = new int[tiles];
        Arrays.fill(flags, 1);
        return new PreferenceBatch(chosen, rejected, pixels, tiles, size, flags, offsets,
                pairs.stream().map(PreferencePair::source).toList(), null, null);
    }

    private static SequenceBatch rows(List<long[]> prompts, List<String> answers, TokenIds ids) {
        int n = prompts.size();
        int[] lengths = new int[n];
        for (int p = 0; p < n; p++) {
            lengths[p] = prompts.get(p).length + answers.get(p).length() + 1;
        }
        int width = Arrays.stream(lengths).max().orElse(1);
        long[] input = new long[n * width];
        long[] labels = new long[n * width];
        Arrays.fill(input, ids.pad());
        Arrays.fill(labels, Labels.IGNORE);
        for (int p = 0; p < n; p++) {
            long[] prompt = prompts.get(p);
            System.arraycopy(prompt, 0, input, p * width, prompt.length);
            String a = answers.get(p);
            for (int t = 0; t <= a.length(); t++) {
                long tok = t == a.length() ? ids.eos() : token(a.charAt(t));
                input[p * width + prompt.length + t] = tok;
                labels[p * width + prompt.length + t] = tok;
            }
        }
        return new SequenceBatch(n, width, input, labels, lengths, ids.pad());
    }

    static long token(char c) { return 10 + (c % 1000); }
}
