package mpo4j.preference;

import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.text.Tokenizer;

/**
 * TRL's {@code pad_token}: which id fills the positions past each row's real length. Collators pad
 * with the tokenizer's pad id (its {@code pad_token}, else {@code eos_token}); a trainer's
 * {@code padToken} rewrites those positions after collation. Padding is never attended to nor scored
 * (both follow the real lengths), so the choice shows in the batch ids only.
 */
final class PadTokens {
    private PadTokens() {}

    /**
     * The id of {@code token} in {@code tokenizer}: an added token, or a text that is exactly one token
     * (transformers' {@code convert_tokens_to_ids}).
     *
     * @throws IllegalArgumentException naming the token when the vocabulary does not hold it
     */
    static long id(Tokenizer tokenizer, String token) {
        Long added = tokenizer.addedTokens().get(token);
        if (added != null) {
            return added;
        }
        long[] ids = tokenizer.encode(token);
        if (ids.length == 1) {
            return ids[0];
        }
        throw new IllegalArgumentException("pad_token '" + token + "' is not a token of the tokenizer (it encodes to "
                + ids.length + " tokens); use one of its tokens, e.g. its eos token, or null for the default");
    }

    /** {@code collate} with every padding position set to {@code padId}; {@code padId < 0} leaves it as it is. */
    static PairBatches.Collate repad(PairBatches.Collate collate, long padId) {
        if (padId < 0) {
            return collate;
        }
        return (pairs, indices) -> withPadId(collate.apply(pairs, indices), padId);
    }

    /** The batch with its chosen and rejected rows padded with {@code padId}. */
    static PreferenceBatch withPadId(PreferenceBatch b, long padId) {
        return new PreferenceBatch(withPadId(b.chosen(), padId), withPadId(b.rejected(), padId), b.pixelValues(), b.tiles(),
                b.tileSize(), b.imageFlags(), b.tileOffsets(), b.sources(), b.refChosenLogps(), b.refRejectedLogps());
    }

    static SequenceBatch withPadId(SequenceBatch s, long padId) {
        long[] ids = s.inputIds().clone();
        for (int r = 0; r < s.rows(); r++) {
            java.util.Arrays.fill(ids, r * s.length() + s.lengths()[r], (r + 1) * s.length(), padId);
        }
        return new SequenceBatch(s.rows(), s.length(), ids, s.labels(), s.lengths(), padId);
    }
}
