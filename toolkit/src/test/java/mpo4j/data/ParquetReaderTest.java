package mpo4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import mpo4j.vision.RgbImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face Parquet preference data: the files here are written with plain SQL (DuckDB's
 * {@code COPY ... TO}), independently of mpo4j's exporter, in the layout {@code datasets} writes
 * ({@code {bytes, path}} image structs, {@code data/<split>-*.parquet} shards).
 */
class ParquetReaderTest {
    @TempDir
    Path dir;

    private static void sql(String... statements) {
        try (Connection c = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", new java.util.Properties());
             Statement st = c.createStatement()) {
            for (String s : statements) st.execute(s);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String image(Path png) {
        return "{'bytes': (SELECT content FROM read_blob('" + png + "')), 'path': '" + png.getFileName() + "'}";
    }

    @Test
    void standardFormatsWithAnImageStructColumn() {
        Path png = Files4Test.png(dir.resolve("img/a.png"), 5, 3);
        Path explicit = dir.resolve("explicit.parquet");
        Path implicit = dir.resolve("implicit.parquet");
        sql("COPY (SELECT 'What color?' AS prompt, 'red' AS chosen, 'blue' AS rejected, " + image(png) + " AS image, 0.5 AS score_chosen)"
                + " TO '" + explicit + "' (FORMAT parquet)",
            "COPY (SELECT 'Q? red' AS chosen, 'Q? blue' AS rejected) TO '" + implicit + "' (FORMAT parquet)");
        PreferencePair e = Datasets.load(explicit).get(0);
        // one image and no placeholder: "<image>\n" goes before the question (the JSONL rule); extra columns are ignored
        assertEquals("<image>\nWhat color?", e.question());
        assertEquals("red", e.chosen());
        assertEquals("blue", e.rejected());
        EmbeddedImage img = assertInstanceOf(EmbeddedImage.class, e.images().get(0));
        assertTrue(img.toString().endsWith("row 0 image[0] a.png"), img.toString());
        var rgb = RgbImages.read(img, e.source());
        assertEquals(5, rgb.getWidth());
        assertEquals(3, rgb.getHeight());
        // TRL's extract_prompt: common prefix "Q? " minus the space before the split -> "Q?", answers keep " red"
        PreferencePair i = Datasets.load(implicit).get(0);
        assertEquals("Q?", i.question());
        assertEquals(" red", i.chosen());
        assertEquals(" blue", i.rejected());
        assertTrue(i.images().isEmpty());
    }

    @Test
    void conversationalImplicitWithAnImagesList() {
        Path a = Files4Test.png(dir.resolve("a.png"), 4, 4);
        Path b = Files4Test.png(dir.resolve("b.png"), 7, 2);
        String user = "{'role': 'user', 'content': [{'type': 'image', 'text': NULL}, {'type': 'image', 'text': NULL}, {'type': 'text', 'text': 'Same?'}]}";
        Path file = dir.resolve("conv.parquet");
        sql("COPY (SELECT [" + user + ", {'role': 'assistant', 'content': [{'type': 'text', 'text': 'yes'}]}] AS chosen,"
                + " [" + user + ", {'role': 'assistant', 'content': [{'type': 'text', 'text': 'no'}]}] AS rejected,"
                + " [" + image(a) + ", " + image(b) + "] AS images) TO '" + file + "' (FORMAT parquet)");
        PreferencePair p = Datasets.load(file).get(0);
        // the shared leading message is the prompt; two image parts then text: "<image><image>\nSame?"
        assertEquals(List.of(ChatMessage.user("<image><image>\nSame?")), p.prompt());
        assertEquals("yes", p.chosen());
        assertEquals("no", p.rejected());
        assertEquals(2, p.images().size());
        assertEquals(7, RgbImages.size(p.images().get(1), p.source()).width);
        assertEquals(2, RgbImages.size(p.images().get(1), p.source()).height);
    }

    @Test
    void missingColumnNamesTheFileAndTheColumnsItHas() {
        Path file = dir.resolve("bad.parquet");
        sql("COPY (SELECT 'q' AS prompt, 'a' AS answer, 'b' AS rejected) TO '" + file + "' (FORMAT parquet)");
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.load(file));
        assertTrue(e.getMessage().startsWith(file + ": field \"chosen\": missing column; the file has columns [prompt, answer, rejected]"),
                e.getMessage());
    }

    @Test
    void corruptImageNamesFileRowAndColumn() {
        Path png = Files4Test.png(dir.resolve("ok.png"), 2, 2);
        Path file = dir.resolve("corrupt.parquet");
        sql("COPY (SELECT * FROM (VALUES ('q0', 'a', 'b', [" + image(png) + "]), ('q1', 'a', 'b', [{'bytes': 'not a png'::BLOB, 'path': 'x.png'}]))"
                + " t(prompt, chosen, rejected, images)) TO '" + file + "' (FORMAT parquet)");
        Dataset<PreferencePair> data = Datasets.load(file);
        assertEquals("<image>\nq0", data.get(0).question());
        DatasetException e = assertThrows(DatasetException.class, () -> data.get(1));
        assertTrue(e.getMessage().startsWith(file + " row 1: field \"images[0]\": corrupt image"), e.getMessage());
        // SKIP drops the bad row and counts it, like a bad JSONL line
        Dataset<PreferencePair> skipping = data.onError(OnError.SKIP);
        assertEquals(1, skipping.size());
        assertEquals(1, skipping.skipped());
    }

    @Test
    void shardsOfTheHubSplitLayoutInNameOrder() {
        Path data = dir.resolve("ds/data");
        data.toFile().mkdirs();
        sql("CREATE TABLE t AS SELECT 'p' || i AS prompt, 'c' AS chosen, 'r' AS rejected, i FROM range(10) r(i)",
            "COPY (SELECT prompt, chosen, rejected FROM t WHERE i < 4 ORDER BY i) TO '" + data.resolve("train-00000-of-00002.parquet") + "' (FORMAT parquet)",
            "COPY (SELECT prompt, chosen, rejected FROM t WHERE i >= 4 AND i < 7 ORDER BY i) TO '" + data.resolve("train-00001-of-00002.parquet") + "' (FORMAT parquet)",
            "COPY (SELECT prompt, chosen, rejected FROM t WHERE i >= 7 ORDER BY i) TO '" + data.resolve("test-00000-of-00001.parquet") + "' (FORMAT parquet)");
        Dataset<PreferencePair> train = Datasets.load(dir.resolve("ds"));
        assertEquals(List.of("p0", "p1", "p2", "p3", "p4", "p5", "p6"), train.stream().map(PreferencePair::question).toList());
        assertEquals(List.of("p7", "p8", "p9"), Datasets.parquet(dir.resolve("ds"), "test").stream().map(PreferencePair::question).toList());
        assertEquals(2, train.sources().size());
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.parquet(dir.resolve("ds"), "validation"));
        assertTrue(e.getMessage().contains("no Parquet shards for split \"validation\"")
                && e.getMessage().contains("data/test-00000-of-00001.parquet"), e.getMessage());
    }

    @Test
    void readsRowGroupByRowGroupAcrossBoundaries() {
        Path file = dir.resolve("big.parquet");
        sql("COPY (SELECT 'p' || i AS prompt, 'c' || i AS chosen, 'r' AS rejected FROM range(5000) r(i) ORDER BY i)"
                + " TO '" + file + "' (FORMAT parquet, ROW_GROUP_SIZE 2048)");
        ParquetShard shard = ParquetShard.open(file);
        assertTrue(shard.groups() >= 2, "the fixture must span several row groups, has " + shard.groups());
        assertEquals(5000, shard.rows());
        Dataset<PreferencePair> data = Datasets.load(file);
        // random access across groups, then a full pass in order
        for (int i : new int[] {4999, 0, 2047, 2048, 3000, 1}) assertEquals("p" + i, data.get(i).question());
        int k = 0;
        for (PreferencePair p : data) assertEquals("c" + k++, p.chosen());
        assertEquals(5000, k);
    }
}
