package mpo4j.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fresh run of the generator rewrites exactly the committed datasets-sample/ files. */
class SampleGeneratorTest {
    /** Tests run in sample-tools/; the sample folder is at the repository root. */
    static final Path SAMPLE = Path.of("..", "datasets-sample").normalize();

    @Test
    void generatorReproducesTheCommittedFiles(@TempDir Path out) throws Exception {
        SampleGenerator.main(new String[] {out.toString()});
        List<Path> generated;
        try (Stream<Path> s = Files.walk(out)) {
            generated = s.filter(Files::isRegularFile).map(out::relativize).sorted().toList();
        }
        assertTrue(generated.size() > 400, "generated " + generated.size() + " files");
        Set<Path> committed = new HashSet<>();
        try (Stream<Path> s = Files.walk(SAMPLE)) {
            s.filter(Files::isRegularFile).map(SAMPLE::relativize)
                    // only the generator's folders: tokenizer/ is written by BpeTrainer, README.md by hand
                    .filter(p -> p.startsWith("shapes") || p.startsWith("trl") || p.startsWith("trl-parquet") || p.startsWith("reward"))
                    .forEach(committed::add);
        }
        assertEquals(committed, new HashSet<>(generated), "run ./mpo4j generate-sample and commit datasets-sample/");
        for (Path p : generated) {
            if (p.toString().endsWith(".png")) {
                // compare pixels, not bytes: PNG compression may differ with the platform's zlib
                assertArrayEquals(pixels(SAMPLE.resolve(p)), pixels(out.resolve(p)), p.toString());
            } else if (p.toString().endsWith(".parquet")) {
                assertArrayEquals(Files.readAllBytes(SAMPLE.resolve(p)), Files.readAllBytes(out.resolve(p)), p.toString());
            } else {
                assertEquals(Files.readString(SAMPLE.resolve(p)), Files.readString(out.resolve(p)), p.toString());
            }
        }
    }

    private static int[] pixels(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}
