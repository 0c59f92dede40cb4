package mpo4j.collate;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import mpo4j.data.Dataset;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.interop.TrlDataExport;
import mpo4j.text.Tokenizer;

/**
 * Not a unit test: pairs/s from a data file to collated batches of 8 (read, parse, decode and tile the
 * images, tokenize), JSONL with image files next to Parquet with the same images embedded. Two data
 * sets: {@code n} pairs with one 448x448 JPEG photo-like image each, written to a temp folder, and the
 * committed sample ({@code trl/conversational_explicit.jsonl} vs {@code trl-parquet}, small PNGs). Run
 * from the repo root: {@code java -cp toolkit/target/test-classes:toolkit/target/classes:$(cat
 * toolkit/target/classpath.txt) mpo4j.collate.ParquetThroughput [n]}.
 */
public final class ParquetThroughput {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        mpo4j.engine.Mpo4jEngine.ensureOffline();
        Path tmp = Files.createTempDirectory("parquet-throughput");
        Random random = new Random(1);
        List<PreferencePair> pairs = new ArrayList<>();
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(448, 448, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 448; y++) for (int x = 0; x < 448; x++) {
                img.setRGB(x, y, ((x * 255 / 448) << 16) | ((y * 255 / 448) << 8) | random.nextInt(64));
            }
            Path file = tmp.resolve("img" + i + ".jpg");
            ImageIO.write(img, "jpg", file.toFile());
            pairs.add(PreferencePair.of("<image>\nWhat is shown " + i + "?", "a gradient", "a cat", List.of(file), new Source("gen", i + 1)));
            jsonl.append("{\"images\": [\"img").append(i).append(".jpg\"], \"prompt\": \"What is shown ").append(i)
                    .append("?\", \"chosen\": \"a gradient\", \"rejected\": \"a cat\"}\n");
        }
        Files.writeString(tmp.resolve("pairs.jsonl"), jsonl);
        TrlDataExport.parquet(pairs, tmp.resolve("pairs.parquet"));
        System.out.printf("%d pairs, 448x448 JPEG: %.1f MB of images, parquet %.1f MB%n", n,
                pairs.stream().mapToLong(p -> p.images().get(0).toFile().length()).sum() / 1e6, Files.size(tmp.resolve("pairs.parquet")) / 1e6);
        try (Tokenizer tok = Tokenizer.load(Path.of("datasets-sample/tokenizer"))) {
            InternVlCollator collator = InternVlCollator.of(tok).tileSize(448).tokensPerTile(256).maxTiles(6).maxSeqLength(4096);
            InternVlCollator small = InternVlCollator.of(tok).tileSize(64).tokensPerTile(16).maxTiles(6).maxSeqLength(1024);
            for (int round = 0; round < 3; round++) {
                time("448px JSONL  ", () -> Datasets.load(tmp.resolve("pairs.jsonl")), collator);
                time("448px Parquet", () -> Datasets.load(tmp.resolve("pairs.parquet")), collator);
                time("sample JSONL  ", () -> Datasets.trl(Path.of("datasets-sample/trl/conversational_explicit.jsonl")), small);
                time("sample Parquet", () -> Datasets.load(Path.of("datasets-sample/trl-parquet")), small);
            }
        }
    }

    private static void time(String what, java.util.function.Supplier<Dataset<PreferencePair>> open, InternVlCollator collator) {
        long t0 = System.nanoTime();
        Dataset<PreferencePair> data = open.get();
        List<PreferencePair> batch = new ArrayList<>();
        long pairs = 0, tiles = 0;
        for (PreferencePair p : data) {
            batch.add(p);
            if (batch.size() == 8) {
                tiles += collator.collate(batch).tiles();
                pairs += batch.size();
                batch.clear();
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        long readOnly0 = System.nanoTime();
        for (PreferencePair p : open.get()) if (p.chosen() == null) throw new AssertionError();
        double read = (System.nanoTime() - readOnly0) / 1e9;
        System.out.printf("%s %6.0f pairs/s to collated batches (%d pairs, %d tiles, %.2f s); reading alone %6.0f pairs/s%n",
                what, pairs / s, pairs, tiles, s, data.size() / read);
    }
}
