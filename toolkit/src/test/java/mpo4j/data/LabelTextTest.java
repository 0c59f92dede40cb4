package mpo4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reward labels read as people write them in tables and printed pairs (issue 14, item 7). */
class LabelTextTest {

    @Test
    void labelsReadAsHeadEqualsLabelInHeadOrder() {
        assertEquals("helpful=A, preference=B", Tables.labelText(Map.of("preference", "B", "helpful", "A")));
        assertEquals("preference=C", Tables.labelText(Map.of("preference", "C")));
        assertEquals("", Tables.labelText(Map.of()));
    }
}
