package mpo4j.generate;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * When one row of a batch stops: after an eos token, once its decoded text contains a stop string, or at
 * {@code maxNewTokens}, checked in that order after every new token (so an eos as the last allowed token
 * is an eos finish, not a truncation, as in TRL).
 *
 * <p>Stop strings are searched in the decoded text of the last few tokens only (4 tokens per character of
 * the longest stop string, plus 4, enough even for byte-level tokens of 4-byte characters), so checking
 * costs the same at every step. A stop string that spans the previous step's window would have stopped
 * the row then, so the new token must be part of any match found.
 */
public final class StopCriteria {
    private final long[] eosTokenIds;
    private final List<String> stopStrings;
    private final int maxNewTokens;
    private final int window;

    /** The eos ids, stop strings and length limit of {@code config}. */
    public StopCriteria(SamplingConfig config) {
        this.eosTokenIds = config.eosTokenIds().stream().mapToLong(Long::longValue).toArray();
        this.stopStrings = config.stopStrings();
        this.maxNewTokens = config.maxNewTokens();
        this.window = 4 * stopStrings.stream().mapToInt(String::length).max().orElse(0) + 4;
    }

    /** True when some stop strings are set, so {@link #check} needs a decode function. */
    public boolean needsDecode() { return !stopStrings.isEmpty(); }

    /**
     * Whether the row ends after the newest token.
     *
     * @param generated the row's new tokens; the first {@code length} are valid, the last of them is the newest
     * @param decode token ids to text; only called when stop strings are set
     * @return the finish reason, or null to continue
     */
    public FinishReason check(long[] generated, int length, Function<long[], String> decode) {
        long newest = generated[length - 1];
        for (long eos : eosTokenIds) {
            if (newest == eos) {
                return FinishReason.EOS_TOKEN;
            }
        }
        if (!stopStrings.isEmpty()) {
            if (decode == null) {
                throw new IllegalStateException("stop_strings are set, so generation needs a decode function");
            }
            String tail = decode.apply(Arrays.copyOfRange(generated, Math.max(0, length - window), length));
            for (String stop : stopStrings) {
                if (tail.contains(stop)) {
                    return FinishReason.STOP_STRING;
                }
            }
        }
        return length >= maxNewTokens ? FinishReason.MAX_NEW_TOKENS : null;
    }
}
