package mpo4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** A big JSONL is indexed by byte offsets (a long[]), and records are parsed only when read. */
class LargeFileTest {
    @TempDir
    Path dir;

    @Test
    void twoHundredThousandLinesAreIndexedNotMaterialised() throws Exception {
        int n = 200_000;
        Path f = dir.resolve("big.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(f)) {
            for (int i = 0; i < n; i++) {
                w.write("{\"question\": \"q" + i + "\", \"chosen\": \"ünïcode " + i + "\", \"rejected\": \"r" + i + "\"}\n");
            }
        }
        JsonlFile index = JsonlFile.index(f);
        assertEquals(n, index.size());
        long[] offsets = index.offsets();
        assertEquals(n, offsets.length);
        assertEquals(0, offsets[0]);
        // offsets are byte positions: line i starts where line i-1's bytes end (+1 for '\n')
        assertEquals(("{\"question\": \"q0\", \"chosen\": \"ünïcode 0\", \"rejected\": \"r0\"}\n").getBytes("UTF-8").length, offsets[1]);

        Dataset<PreferencePair> d = Datasets.load(f);
        assertEquals(n, d.size());
        Random random = new Random(9);
        for (int k = 0; k < 200; k++) {
            int i = random.nextInt(n);
            PreferencePair p = d.get(i);
            assertEquals("q" + i, p.question());
            assertEquals("ünïcode " + i, p.chosen());
            assertEquals(i + 1, p.source().line());
        }
        assertEquals("q199999", d.get(n - 1).question());
        // views stay lazy: a shuffled 3-record window of the file reads 3 lines
        assertEquals(3, d.shuffle(1).take(3).toList().size());
    }
}
