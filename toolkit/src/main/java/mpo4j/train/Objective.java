package mpo4j.train;

import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * One step of the objective: forward a batch, return a differentiable loss and metrics. The trainer
 * owns everything around it (gradients, clipping, optimizer, schedule, logging, checkpoints).
 *
 * <p>Objectives may carry training state (e.g. the BCO reward shift δ); {@link #state()} and
 * {@link #restore} let checkpoints save and restore it so that a resumed run equals an
 * uninterrupted one.
 *
 * @param <B> the batch type
 */
@FunctionalInterface
public interface Objective<B> {

    /**
     * Computes the loss of one micro-batch. Every array must be created in {@code scope} (the
     * trainer closes it after the backward pass). {@code training} is false during evaluation,
     * where state such as δ must not be updated.
     */
    StepOutput compute(B batch, NDManager scope, boolean training);

    /** Training state to checkpoint (doubles round-trip exactly through JSON). */
    default Map<String, Double> state() { return Map.of(); }

    /** Restores what {@link #state()} returned. */
    default void restore(Map<String, Double> state) {}

    /** Loss components' values at initialisation, drawn as reference lines on the loss curves. */
    default Map<String, Double> initialLosses() { return Map.of(); }
}
