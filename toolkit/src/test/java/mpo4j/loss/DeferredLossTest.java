package mpo4j.loss;

import mpo4j.engine.HostCopy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deferred loss (what a training step uses): nothing is copied to the host until the packed values
 * are read, the BCO δ runs on the device across micro-batches and its host state follows the read, and
 * the numbers equal those of the eager {@link PreferenceLoss#compute}.
 */
class DeferredLossTest {
    static NDManager m;

    @BeforeAll
    static void open() {
        m = LossTesting.manager();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    /** Two pairs, π = {c0, c1, r0, r1} as float32 sums, tokens 2 each. */
    private static SequenceLogps policy(NDManager s, float... pi) {
        NDArray sums = s.create(pi);
        return SequenceLogps.of(sums, sums, new int[] {2, 2, 2, 2});
    }

    private static final ReferenceLogps ZERO = ReferenceLogps.sums(new double[2], new double[2]);

    @Test
    void twoMicroBatchesCopyNothingUntilReadAndTheRunningDeltaCarriesOverOnTheDevice() {
        PreferenceLoss mpo = PreferenceLoss.mpo();     // β = 0.1
        BcoDelta delta = new BcoDelta();
        try (NDManager s = m.newSubManager()) {
            long before = HostCopy.count();
            // reference 0, so ℓ = π: m1 = 0.1·mean(−1, −2, −3, −5) = −0.275; m2 = 0.1·mean(−2, −2, −2, −2) = −0.2
            LossResult first = mpo.computeDeferred(policy(s, -1, -2, -3, -5), ZERO, delta);
            LossResult second = mpo.computeDeferred(policy(s, -2, -2, -2, -2), ZERO, delta);
            assertEquals(0, HostCopy.count() - before, "nothing read on the host while the step runs");
            // what the trainer does once per step: copy the packed values, hand them over in batch order
            Map<String, Double> m1 = first.metrics(first.deviceValues().toDoubleArray());
            Map<String, Double> m2 = second.metrics(second.deviceValues().toDoubleArray());
            // δ1 = m1 = −0.275; δ2 = δ1 + (m2 − δ1)/2 = −0.2375
            assertEquals(-0.275, m1.get("bco/delta"), 1e-15);
            assertEquals(-0.2375, m2.get("bco/delta"), 1e-15);
            assertEquals(-0.2375, delta.value(), 1e-15);
            assertEquals(2, delta.count());
            // logps/chosen = mean(πc): (−1 − 2)/2 and (−2 − 2)/2
            assertEquals(-1.5, m1.get("logps/chosen"), 0);
            assertEquals(-2.0, m2.get("logps/chosen"), 0);
            assertEquals(0, HostCopy.count() - before, "the accessors answer from the handed-over values");
            assertEquals(m2.get("loss"), second.value(), 0);
        }
    }

    @Test
    void deferredAndEagerGiveTheSameNumbersAndEagerCopiesOnce() {
        PreferenceLoss mpo = PreferenceLoss.mpo();
        try (NDManager s = m.newSubManager()) {
            LossResult deferred = mpo.computeDeferred(policy(s, -1.5f, -2.25f, -3f, -1f), ZERO, new BcoDelta());
            Map<String, Double> fromValues = deferred.metrics(deferred.deviceValues().toDoubleArray());
            long before = HostCopy.count();
            LossResult eager = mpo.compute(policy(s, -1.5f, -2.25f, -3f, -1f), ZERO, new BcoDelta());
            assertEquals(1, HostCopy.count() - before, "one copy for every number of the result (was 2 + 2·types)");
            assertEquals(eager.metrics(), fromValues);
            assertEquals(deferred.metricNames(), java.util.List.copyOf(eager.metrics().keySet()));
        }
    }

    @Test
    void aNanInputSurfacesWhenTheValuesAreReadAndLeavesDeltaUnchanged() {
        PreferenceLoss mpo = PreferenceLoss.mpo();
        BcoDelta delta = new BcoDelta();
        delta.update(-0.5);
        try (NDManager s = m.newSubManager()) {
            LossResult bad = mpo.computeDeferred(policy(s, -1, Float.NaN, -3, -5), ZERO, delta);
            double[] values = bad.deviceValues().toDoubleArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.metrics(values));
            assertEquals("loss 'sigmoid,bco_pair,sft': NaN in the policy log-prob of the chosen sequence of pair 1", e.getMessage());
            // as BcoDelta.update(double) does for a non-finite batch mean: δ and the count stay as they were
            assertEquals(-0.5, delta.value(), 0);
            assertEquals(1, delta.count());
        }
    }
}
