package mpo4j.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class StopCriteriaTest {
    /** Token i decodes to the i-th word of this list. */
    private static final List<String> WORDS = List.of("a", "b", "\n\nThe", "end", "<eos>");
    private static final Function<long[], String> DECODE = ids -> {
        StringBuilder s = new StringBuilder();
        for (long id : ids) {
            s.append(WORDS.get((int) id));
        }
        return s.toString();
    };

    private final StopCriteria stop = new StopCriteria(
            SamplingConfig.DEFAULT.eosTokenIds(List.of(4L)).stopStrings(List.of("\n\n")).maxNewTokens(3));

    @Test
    void eachConditionInOrder() {
        assertNull(stop.check(new long[] {0, 1}, 2, DECODE));
        assertEquals(FinishReason.EOS_TOKEN, stop.check(new long[] {0, 4}, 2, DECODE));
        // the stop string sits inside the newest token's text, followed by more text
        assertEquals(FinishReason.STOP_STRING, stop.check(new long[] {0, 2}, 2, DECODE));
        assertEquals(FinishReason.MAX_NEW_TOKENS, stop.check(new long[] {0, 1, 3}, 3, DECODE));
        // eos as the last allowed token is an eos finish (TRL: not truncated)
        assertEquals(FinishReason.EOS_TOKEN, stop.check(new long[] {0, 1, 4}, 3, DECODE));
        // only the first `length` ids count
        assertNull(stop.check(new long[] {0, 1, 4}, 2, DECODE));
    }
}
