package mpo4j.preference;

/**
 * Where the reference log-probs of the preference losses come from.
 *
 * <ul>
 *   <li>{@link #FROZEN_COPY} (default, as TRL): a frozen copy of the initial policy runs next to it;</li>
 *   <li>{@link #PRECOMPUTED}: the frozen copy scores every training and eval pair once before
 *       training, then is freed; training reads the stored log-probs (TRL's
 *       {@code precompute_ref_log_probs});</li>
 *   <li>{@link #NONE}: reference-free, ℓ = π (the loss is switched to {@code referenceFree()}).</li>
 * </ul>
 * The reference never receives gradients.
 */
public enum Reference { FROZEN_COPY, PRECOMPUTED, NONE }
