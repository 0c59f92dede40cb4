package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScheduleTest {

    @Test
    void linearWithWarmupRisesFromZeroThenDecaysToZero() {
        Schedule s = Schedule.linear().withWarmupSteps(2);
        // warmup: 0/2, 1/2; then (10 − s)/(10 − 2)
        assertEquals(0.0, s.factor(0, 10), 1e-12);
        assertEquals(0.5, s.factor(1, 10), 1e-12);
        assertEquals(1.0, s.factor(2, 10), 1e-12);
        assertEquals(0.5, s.factor(6, 10), 1e-12);
        assertEquals(0.125, s.factor(9, 10), 1e-12);
        assertEquals(0.0, s.factor(10, 10), 1e-12);
    }

    @Test
    void cosineHalvesAtMidpointAfterWarmup() {
        Schedule s = Schedule.cosine().withWarmupRatio(0.2);      // ceil(0.2·10) = 2 warmup steps
        assertEquals(2, s.warmup(10));
        assertEquals(0.5, s.factor(1, 10), 1e-12);
        assertEquals(1.0, s.factor(2, 10), 1e-12);
        assertEquals(0.5, s.factor(6, 10), 1e-12);                // progress 4/8 → ½(1+cos π/2)
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.25)), s.factor(4, 10), 1e-12);
        assertEquals(0.0, s.factor(10, 10), 1e-12);
    }

    @Test
    void warmupRatioRoundsUpAndStepsOverrideRatio() {
        assertEquals(4, Schedule.cosine().withWarmupRatio(0.03).warmup(101));   // ceil(3.03)
        assertEquals(3, Schedule.cosine().withWarmupRatio(0.03).warmup(100));
        assertEquals(5, Schedule.cosine().withWarmupRatio(0.5).withWarmupSteps(5).warmup(100));
    }

    @Test
    void constantKeepsWarmup() {
        Schedule s = Schedule.constant().withWarmupSteps(4);
        assertEquals(0.25, s.factor(1, 100), 1e-12);
        assertEquals(1.0, s.factor(4, 100), 1e-12);
        assertEquals(1.0, s.factor(99, 100), 1e-12);
    }

    @Test
    void badWarmupIsRejectedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.linear().withWarmupRatio(1.5));
        assertTrue(e.getMessage().contains("warmupRatio must lie in [0,1], got 1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedule.linear().withWarmupSteps(-1));
        assertTrue(e.getMessage().contains("warmupSteps"), e.getMessage());
    }

    @Test
    void configDefaultsFollowTrl() {
        TrainConfig c = TrainConfig.defaults();
        assertEquals(1e-6, c.lr());
        assertEquals(Schedule.linear(), c.schedule());
        assertEquals(0.0, c.weightDecay());
        assertEquals(1.0, c.maxGradNorm());
        assertEquals(0.9, c.beta1());
        assertEquals(0.999, c.beta2());
        assertEquals(1e-8, c.eps());
        assertEquals(8, c.batchSize());
        assertEquals(1, c.gradAccum());
        assertEquals(42, c.seed());
        // 10 examples at batch 4 → 3 micro-batches → 2 steps with accumulation 2
        assertEquals(3, c.withBatchSize(4).microBatchesPerEpoch(10));
        assertEquals(2, c.withBatchSize(4).withGradAccum(2).stepsPerEpoch(10));
        assertEquals(6, c.withBatchSize(4).withGradAccum(2).withEpochs(3).totalSteps(10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.withGradAccum(0));
        assertTrue(e.getMessage().contains("gradAccum must be >= 1, got 0"), e.getMessage());
    }
}
