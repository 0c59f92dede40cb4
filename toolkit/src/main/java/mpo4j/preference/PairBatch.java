package mpo4j.preference;

import mpo4j.collate.PreferenceBatch;
import mpo4j.loss.ReferenceLogps;

/**
 * A collated micro-batch with, when precomputed, its pairs' reference log-probs (including the
 * shared-prefix sums that {@code ldAlpha} reads).
 */
record PairBatch(PreferenceBatch batch, ReferenceLogps reference) {}
