package mpo4j.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MmprWriterTest {
    private static final Path IMAGES = Path.of("../datasets-sample/shapes/images").toAbsolutePath().normalize();

    @Test
    void writtenPairsReadBackThroughTheMmprReader(@TempDir Path tmp) throws IOException {
        List<PreferencePair> pairs = List.of(
                PreferencePair.of("<image>\nWhat color is the shape?", "red", "blue", List.of(IMAGES.resolve("color_0001.png")), new Source("a", 1)),
                PreferencePair.of("Image-1: <image>\nImage-2: <image>\nWhich has more?", "first", "second",
                        List.of(IMAGES.resolve("count_0001.png"), IMAGES.resolve("count_0002.png")), new Source("a", 2)),
                PreferencePair.of("Mix \"yellow\" and blue?", "green", "purple", List.of(), new Source("a", 3)));
        Path dir = tmp.resolve("mmpr");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("meta.json"), "{\"other\": {\"root\": \".\", \"annotation\": \"other.jsonl\", \"repeat_time\": 1}}");
        Files.writeString(dir.resolve("other.jsonl"), "{\"question\": \"q?\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
        Path meta = MmprWriter.write(dir, "generated", pairs);

        List<PreferencePair> back = Datasets.load(meta).toList().stream().filter(p -> p.source().file().endsWith("generated.jsonl")).toList();
        assertEquals(3, back.size());
        // the reader shuffles each sub-dataset; match by chosen answer
        for (PreferencePair p : pairs) {
            PreferencePair r = back.stream().filter(b -> b.chosen().equals(p.chosen())).findFirst().orElseThrow();
            assertEquals(p.question(), r.question());
            assertEquals(p.rejected(), r.rejected());
            assertEquals(p.images(), r.images().stream().map(i -> i.toAbsolutePath().normalize()).toList());
        }
        // the other entry is kept, and image paths are relative to the folder
        String metaText = Files.readString(meta);
        assertTrue(metaText.contains("\"other\"") && metaText.contains("\"generated\"") && metaText.contains("\"length\": 3"), metaText);
        String first = Files.readAllLines(dir.resolve("generated.jsonl")).get(0);
        assertTrue(first.startsWith("{\"image\":\"" + dir.toAbsolutePath().relativize(IMAGES.resolve("color_0001.png")).toString().replace('\\', '/') + "\""), first);
        // no temporary file is left behind
        try (var files = Files.list(dir)) {
            assertEquals(List.of("generated.jsonl", "meta.json", "other.jsonl"), files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void badNamesAndIncompletePairsAreRejected(@TempDir Path tmp) {
        assertEquals("name must be a plain file name (it names ../x.jsonl), got \"../x\"",
                assertThrows(IllegalArgumentException.class, () -> MmprWriter.write(tmp, "../x", List.of())).getMessage());
        PreferencePair prompt = PreferencePair.of("q", "a", null, List.of(), new Source("q.jsonl", 4));
        assertEquals(new Source("q.jsonl", 4) + ": a pair to write needs a rejected answer",
                assertThrows(IllegalArgumentException.class, () -> MmprWriter.write(tmp, "x", List.of(prompt))).getMessage());
    }
}
