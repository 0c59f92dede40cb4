package mpo4j.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SamplingConfigTest {
    @Test
    void defaultsAreTransformersGenerationConfigAndTrlDefaultsSample() {
        SamplingConfig d = SamplingConfig.DEFAULT;
        assertFalse(d.doSample());
        assertEquals(1.0, d.temperature());
        assertEquals(50, d.topK());
        assertEquals(1.0, d.topP());
        assertEquals(0.0, d.minP());
        assertEquals(1.0, d.repetitionPenalty());
        assertTrue(d.isGreedy());
        SamplingConfig trl = SamplingConfig.trlDefaults();
        assertTrue(trl.doSample());
        assertEquals(0, trl.topK());
        assertFalse(trl.isGreedy());
        assertTrue(trl.temperature(0).isGreedy());
    }

    @Test
    void copyMethodsChangeOneSetting() {
        SamplingConfig c = SamplingConfig.DEFAULT.topP(0.9).seed(3);
        assertEquals(0.9, c.topP());
        assertEquals(3, c.seed());
        assertEquals(1.0, SamplingConfig.DEFAULT.topP());
    }

    @Test
    void badValuesNameTheFieldValueAndRange() {
        assertEquals("top_p must be in (0, 1], got 1.5", message(() -> SamplingConfig.DEFAULT.topP(1.5)));
        assertEquals("top_p must be in (0, 1], got 0.0", message(() -> SamplingConfig.DEFAULT.topP(0)));
        assertEquals("temperature must be a finite number >= 0 (0 = greedy), got -1.0", message(() -> SamplingConfig.DEFAULT.temperature(-1)));
        assertEquals("top_k must be >= 0 (0 disables top-k), got -2", message(() -> SamplingConfig.DEFAULT.topK(-2)));
        assertEquals("min_p must be in [0, 1] (0 disables min-p), got 1.2", message(() -> SamplingConfig.DEFAULT.minP(1.2)));
        assertEquals("repetition_penalty must be a finite number > 0 (1 disables it), got 0.0",
                message(() -> SamplingConfig.DEFAULT.repetitionPenalty(0)));
        assertEquals("max_new_tokens must be >= 1, got 0", message(() -> SamplingConfig.DEFAULT.maxNewTokens(0)));
        assertEquals("stop_strings must not contain an empty string, got [a, ]",
                message(() -> SamplingConfig.DEFAULT.stopStrings(List.of("a", ""))));
        assertEquals("eos_token_id must be >= 0, got -1", message(() -> SamplingConfig.DEFAULT.eosTokenIds(List.of(-1L))));
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }
}
