package mpo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import mpo4j.generate.SamplingConfig;
import mpo4j.pairs.CorrectnessPairs;
import mpo4j.pairs.DropoutNtpPairs;
import org.junit.jupiter.api.Test;

/** The facade's pair pipelines are InternVL's, with InternVL's and TRL's defaults, and configure like the classes. */
class PairsFacadeTest {

    @Test
    void correctnessPairsStartFromTrlSamplingDefaults() {
        CorrectnessPairs pairs = Mpo.correctnessPairs(null);
        assertEquals(SamplingConfig.trlDefaults(), pairs.sampling());
        SamplingConfig fewTokens = SamplingConfig.trlDefaults().maxNewTokens(4).seed(3);
        CorrectnessPairs changed = pairs.sampling(fewTokens);
        assertEquals(fewTokens, changed.sampling());
        assertEquals(SamplingConfig.trlDefaults(), pairs.sampling(), "immutable: the facade's object is unchanged");
        assertNotSame(Mpo.correctnessPairs(null), Mpo.correctnessPairs(null));
        var e = assertThrows(IllegalArgumentException.class, () -> pairs.numGenerations(1));
        assertEquals("num_generations must be >= 2 (a pair needs a right and a wrong response), got 1", e.getMessage());
    }

    @Test
    void dropoutNtpCutsTheChosenAnswerInHalfByDefault() {
        DropoutNtpPairs pairs = Mpo.dropoutNtpPairs(null);
        // start_ratio 0.5: floor(0.5 * 10) = 5 tokens kept, floor(0.5 * 7) = 3
        assertEquals(5, pairs.cut(10));
        assertEquals(3, pairs.cut(7));
        // start_ratio 0.25: floor(0.25 * 10) = 2
        assertEquals(2, pairs.startRatio(0.25).cut(10));
    }
}
