/**
 * Preference losses (every TRL loss type, MPO), their inputs from logits, their metrics, and scalar
 * reward-model losses. Semantics: {@code docs/losses.md} and {@code docs/reward-model.md}.
 *
 * <p>Entry point: {@link mpo4j.loss.PreferenceLoss}, an immutable configuration. Its inputs are
 * {@link mpo4j.loss.SequenceLogps} (per-sequence completion log-probs; {@link mpo4j.loss.CompletionLogps}
 * computes them from hidden states with the output head applied only at completion positions, in
 * chunks, so a 150k vocabulary never needs {@code [rows, length, vocab]} logits) and {@link mpo4j.loss.ReferenceLogps}; the result,
 * {@link mpo4j.loss.LossResult}, carries the differentiable total and TRL's metrics. From JShell,
 * {@code PreferenceLoss.mpo().compute(πc, πr, rc, rr)} on hand-made log-probs prints every component
 * and metric.
 */
package mpo4j.loss;
