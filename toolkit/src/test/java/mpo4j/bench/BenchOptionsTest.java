package mpo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    @Test
    void defaultsRunAThousandMemorySteps() {
        BenchOptions o = BenchOptions.parse();
        assertEquals(20, o.steps());
        assertEquals(1000, o.memorySteps());
        assertEquals(100, o.memoryFirstAt());
    }

    @Test
    void quickThenOverrides() {
        BenchOptions o = BenchOptions.parse("--quick", "--steps", "7", "--memory-steps", "40", "--tokenizer", "tok");
        assertEquals(7, o.steps());
        assertEquals(40, o.memorySteps());
        assertEquals(2, o.variantSteps());
        assertEquals(4, o.memoryFirstAt());                                   // a tenth of 40
        assertEquals(Path.of("tok"), o.tokenizer());
    }

    @Test
    void memoryBaselineIsStep100OrATenthOfAShorterPhase() {
        assertEquals(1, BenchOptions.parse("--memory-steps", "5").memoryFirstAt());
        assertEquals(30, BenchOptions.parse("--memory-steps", "300").memoryFirstAt());
        assertEquals(100, BenchOptions.parse("--memory-steps", "5000").memoryFirstAt());
    }

    @Test
    void errorsNameTheOption() {
        assertEquals("unknown bench option '--fast' (known: --quick, --steps N, --variant-steps N, --warmup N, --memory-steps N, --tokenizer DIR)",
                assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--fast")).getMessage());
        assertEquals("--steps needs a whole number, got 'ten'",
                assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--steps", "ten")).getMessage());
        assertEquals("--memory-steps needs a value",
                assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--memory-steps")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--steps", "0"));
    }
}
