package mpo4j.bench;

import com.google.gson.Gson;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;
import javax.imageio.ImageIO;
import mpo4j.collate.InternVlCollator;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.io.AtomicFiles;
import mpo4j.text.EncodedSequence;
import mpo4j.text.PairEncoder;

/**
 * Writes a synthetic MMPR annotation file plus PNG images whose collated rows have exactly the
 * benchmark's lengths: each image has the aspect of a {@code cols × 1} grid (so the collator tiles it
 * into {@code cols} tiles plus a thumbnail), and the question and answers are grown word by word,
 * measured with the collator's own encoder, until the prompt has {@code promptTextTokens} text tokens
 * (everything but the {@code <IMG_CONTEXT>} run) and the completions have {@code chosenTokens} and
 * {@code rejectedTokens} tokens (answer, {@code <|im_end|>} and the template's trailing newline).
 */
public final class SyntheticPairs {
    private static final String[] WORDS = {
        "the", "red", "blue", "green", "yellow", "circle", "square", "triangle", "left", "right", "above", "below",
        "small", "large", "shape", "image", "is", "a", "of", "two", "three", "next", "to", "and", "there", "one",
        "color", "corner", "middle", "top", "bottom", "bright", "dark", "round", "sharp", "edge", "count", "near"};
    private static final String[] FILLERS = {".", ",", "?", "!", " a", " I", " s", "s", "e", "x"};

    private SyntheticPairs() {}

    /**
     * The benchmark batch shape.
     *
     * @param pairs            pairs per batch
     * @param gridColumns      grid tiles of each image (a {@code cols × 1} grid; a thumbnail is added when {@code cols > 1})
     * @param promptTextTokens prompt tokens other than {@code <IMG_CONTEXT>} (template, {@code <img>}, {@code </img>}, question)
     * @param chosenTokens     tokens after the prompt in a chosen row
     * @param rejectedTokens   tokens after the prompt in a rejected row
     */
    public record BatchShape(int pairs, int gridColumns, int promptTextTokens, int chosenTokens, int rejectedTokens) {
        /** {@code docs/bench.md}: 8 pairs, 2×1 tiles + thumbnail, prompt 24, chosen 40, rejected 32. */
        public static BatchShape reference() { return new BatchShape(8, 2, 24, 40, 32); }

        public BatchShape withPairs(int n) { return new BatchShape(n, gridColumns, promptTextTokens, chosenTokens, rejectedTokens); }

        public BatchShape withPromptTextTokens(int n) { return new BatchShape(pairs, gridColumns, n, chosenTokens, rejectedTokens); }

        /** Tiles per pair: the grid plus the thumbnail. */
        public int tilesPerPair() { return gridColumns > 1 ? gridColumns + 1 : 1; }

        /** Real length of a chosen row for {@code tokensPerTile} image tokens per tile. */
        public int chosenLength(int tokensPerTile) { return promptTextTokens + tilesPerPair() * tokensPerTile + chosenTokens; }

        public int rejectedLength(int tokensPerTile) { return promptTextTokens + tilesPerPair() * tokensPerTile + rejectedTokens; }

        /** Real row lengths of one collated batch, chosen rows then rejected rows. */
        public int[] rowLengths(int tokensPerTile) {
            int[] out = new int[2 * pairs];
            for (int p = 0; p < pairs; p++) {
                out[p] = chosenLength(tokensPerTile);
                out[pairs + p] = rejectedLength(tokensPerTile);
            }
            return out;
        }
    }

    /**
     * Writes {@code count} pairs (one image each; the texts of pair {@code i} are those of pair {@code i % pairs}) into
     * {@code dir} and returns the annotation file.
     *
     * @throws IllegalStateException if no text of the requested token count can be formed with this tokenizer and template
     */
    public static Path write(Path dir, int count, BatchShape shape, InternVlCollator collator, long seed) {
        int tileSize = collator.tiling().tileSize();
        int tiles = shape.tilesPerPair();
        int imageTokens = tiles * collator.tokensPerTile();
        PairEncoder encoder = collator.encoder();
        Gson gson = new Gson();
        List<String> lines = new ArrayList<>(count);
        try {
            Files.createDirectories(dir);
            // Fitting a text takes dozens of template renders, so a batch's worth of texts is fitted once and reused;
            // every pair still has its own image, and reading/tokenizing costs the same for repeated text.
            String[][] texts = new String[Math.min(count, shape.pairs())][];
            for (int i = 0; i < count; i++) {
                SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
                String image = String.format("synthetic_%05d.png", i);
                java.awt.image.BufferedImage picture = picture(shape.gridColumns() * tileSize, tileSize, random);
                AtomicFiles.write(dir.resolve(image), out -> ImageIO.write(picture, "png", out));
                int slot = i % texts.length;
                if (texts[slot] == null) {
                    Source source = Source.inline("synthetic pair " + i);
                    String question = fit(shape.promptTextTokens(), random,
                            q -> encode(encoder, q, "x", tiles, source).promptLength() - imageTokens);
                    String chosen = fit(shape.chosenTokens(), random, a -> completion(encode(encoder, question, a, tiles, source)));
                    String rejected = fit(shape.rejectedTokens(), random, a -> completion(encode(encoder, question, a, tiles, source)));
                    texts[slot] = new String[] {question, chosen, rejected};
                }
                Map<String, String> record = new LinkedHashMap<>();
                record.put("image", image);
                record.put("question", texts[slot][0]);
                record.put("chosen", texts[slot][1]);
                record.put("rejected", texts[slot][2]);
                lines.add(gson.toJson(record));
            }
            Path jsonl = dir.resolve("synthetic.jsonl");
            AtomicFiles.writeString(jsonl, String.join("\n", lines) + "\n");
            return jsonl;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic benchmark data under " + dir, e);
        }
    }

    private static EncodedSequence encode(PairEncoder encoder, String question, String answer, int tiles, Source source) {
        PreferencePair pair = PreferencePair.of(question, answer, answer, List.of(Path.of("unused.png")), source);
        return encoder.encode(pair.prompt(), answer, new int[] {tiles}, source);
    }

    private static int completion(EncodedSequence s) { return s.length() - s.promptLength(); }

    /**
     * Grows a text word by word (then by punctuation and single letters when a whole word would
     * overshoot) until {@code count} says it has exactly {@code target} tokens.
     */
    static String fit(int target, SplittableRandom random, ToIntFunction<String> count) {
        StringBuilder text = new StringBuilder();
        int now = count.applyAsInt("");
        if (now > target) {
            throw new IllegalStateException("even an empty text takes " + now + " tokens, more than the " + target + " asked for");
        }
        while (now < target) {
            boolean grew = false;
            List<String> candidates = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                candidates.add((text.length() == 0 ? "" : " ") + WORDS[random.nextInt(WORDS.length)]);
            }
            candidates.addAll(List.of(FILLERS));
            for (String c : candidates) {
                int n = count.applyAsInt(text + c);
                if (n > now && n <= target) {
                    text.append(c);
                    now = n;
                    grew = true;
                    break;
                }
            }
            if (!grew) {
                throw new IllegalStateException("cannot grow '" + text + "' (" + now + " tokens) to exactly " + target + " tokens");
            }
        }
        return text.toString();
    }

    /** A few coloured shapes on a plain background, so PNG decoding and resizing do real work. */
    private static BufferedImage picture(int width, int height, SplittableRandom random) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(new Color(random.nextInt(0xFFFFFF)));
            g.fillRect(0, 0, width, height);
            for (int s = 0; s < 6; s++) {
                g.setColor(new Color(random.nextInt(0xFFFFFF)));
                int w = 8 + random.nextInt(width / 3), h = 8 + random.nextInt(height / 2);
                int x = random.nextInt(width - w), y = random.nextInt(height - h);
                if (random.nextBoolean()) {
                    g.fillOval(x, y, w, h);
                } else {
                    g.fillRect(x, y, w, h);
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }
}
