package mpo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {
    @Test
    void defaultsAreTheMeasuredRecipe() {
        Demo.Options o = Demo.Options.parse(new String[0]);
        assertEquals(new Demo.Options(Path.of("runs/demo"), Path.of("datasets-sample"), 42, 4, 3, 100000, 100000, 3e-4, 2e-4), o);
    }

    @Test
    void flagsOverrideDefaultsInAnyOrder() {
        Demo.Options o = Demo.Options.parse(new String[] {"--mpo-lr", "5e-4", "--out", "runs/x", "--mpo-epochs", "1"});
        assertEquals(5e-4, o.mpoLr());
        assertEquals(Path.of("runs/x"), o.out());
        assertEquals(1, o.mpoEpochs());
        assertEquals(4, o.sftEpochs());
    }

    @Test
    void unknownFlagsMissingValuesAndNonNumbersAreRejectedByName() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse(new String[] {"--epochs", "3"}));
        assertTrue(e.getMessage().startsWith("unknown option --epochs (known: --data, --eval-limit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse(new String[] {"--out"}));
        assertEquals("--out needs a value", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse(new String[] {"--sft-epochs", "four"}));
        assertTrue(e.getMessage().contains("four"), e.getMessage());
    }

    @Test
    void evaluationBatchesDivideTheHeldOutSetSoAccuraciesAreExactShares() {
        assertEquals(15, Demo.exactBatch(150));
        assertEquals(16, Demo.exactBatch(64));
        assertEquals(14, Demo.exactBatch(70));
        assertEquals(1, Demo.exactBatch(17));
        assertEquals(3, Demo.exactBatch(3));
    }
}
