/**
 * Preference losses (every TRL loss type, MPO), their inputs from logits, their metrics, and
 * scalar reward-model losses. Semantics: {@code spec/losses.md}.
 *
 * <p>Entry point: {@link mpo4j.loss.PreferenceLoss} (immutable configuration). One training step:
 * <pre>{@code
 * PreferenceLoss loss = PreferenceLoss.mpo();              // or loss("ipo").beta(0.5), ...
 * BcoDelta delta = new BcoDelta();                          // training state: checkpoint delta.toJson()
 * MetricsAverager step = new MetricsAverager();
 * for (PreferenceBatch micro : microBatches) {
 *     SequenceBatch rows = micro.concatenated();            // chosen rows above rejected rows
 *     ReferenceLogps ref = micro.hasPrecomputedReference()
 *             ? ReferenceLogps.of(micro)
 *             : ReferenceLogps.from(SequenceLogps.fromLogits(referenceLogits, rows, false));
 *     try (GradientCollector gc = engine.newGradientCollector()) {
 *         NDArray logits = policy.forward(rows);            // [2B, L, V]
 *         LossResult r = loss.compute(SequenceLogps.fromLogits(logits, rows, loss.isWeighted()), ref, delta);
 *         gc.backward(r.loss().div(microBatches.size()));
 *         step.add(r);                                      // metrics averaged, never summed
 *     }
 * }
 * Map<String, Double> logged = step.mean();                 // rewards/*, logps/*, logits/*, loss, loss/<type>, bco/delta
 * }</pre>
 *
 * <p>From JShell, on hand-made log-probs: {@code PreferenceLoss.mpo().compute(πc, πr, rc, rr)} prints
 * every component and metric.
 */
package mpo4j.loss;
