package mpo4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ClassDataWarmUpTest {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    /**
     * The warm-up must keep compiling as the toolkit's API changes: a line that stops compiling would not
     * fail any session, only shrink the archive and slow every start, so it is checked here.
     */
    @Test
    void theWarmUpScriptRunsAsAFirstSessionWould() throws Exception {
        String before = System.getProperty("mpo4j.home");
        System.setProperty("mpo4j.home", HOME.toString());
        try (CellEvaluator cells = CellEvaluator.withStartup(500)) {
            Object last = cells.eval(ClassDataWarmUp.warmUpScript());
            assertTrue(last instanceof Integer && (Integer) last > 0, "the script's last line: " + last);
            // take(2) of the sample: a batch of 2 pairs, each with its image tiles.
            assertEquals(2, cells.eval("cdsPairs.size()"));
            assertEquals(2, cells.eval("cdsBatch.pairs()"));
            assertEquals(true, cells.eval("cdsBatch.hasImages()"));
        } finally {
            if (before == null) {
                System.clearProperty("mpo4j.home");
            } else {
                System.setProperty("mpo4j.home", before);
            }
        }
    }
}
