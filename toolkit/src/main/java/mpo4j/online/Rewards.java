package mpo4j.online;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Built-in rule-based reward functions. */
public final class Rewards {
    private Rewards() {}

    /**
     * 1 when the completion equals the dataset column's answer after trimming surrounding whitespace, else 0;
     * null (not applicable) where the answer is null.
     */
    public static RewardFunction exactAnswer(String column) {
        return inputs -> compare(inputs, column, false);
    }

    /**
     * Like {@link #exactAnswer} on normalised text: trimmed, lower-cased ({@code Locale.ROOT}), trailing
     * {@code . , ; : ! ?} removed (repeatedly, with the whitespace between them), runs of whitespace
     * collapsed to one space. "The answer is 42." then matches "the answer is 42".
     */
    public static RewardFunction normalizedAnswer(String column) {
        return inputs -> compare(inputs, column, true);
    }

    /** {@link #normalizedAnswer}'s normalisation. */
    public static String normalize(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        int end = s.length();
        while (end > 0 && (".,;:!?".indexOf(s.charAt(end - 1)) >= 0 || Character.isWhitespace(s.charAt(end - 1)))) {
            end--;
        }
        return s.substring(0, end);
    }

    /**
     * 1 when the whole completion matches {@code regex} ({@link java.util.regex.Matcher#matches}, with
     * {@code DOTALL} so that {@code .} crosses lines, like TRL's format rewards), else 0.
     */
    public static RewardFunction format(String regex) {
        Pattern pattern = Pattern.compile(regex, Pattern.DOTALL);
        return inputs -> {
            List<Double> out = new ArrayList<>(inputs.size());
            for (String c : inputs.completions()) {
                out.add(pattern.matcher(c).matches() ? 1.0 : 0.0);
            }
            return out;
        };
    }

    /**
     * TRL's {@code get_soft_overlong_punishment} (DAPO, eq. 13) on the completion's token count |y|:
     * 0 when |y| <= Lmax - Lcache; {@code ((Lmax - Lcache) - |y|) / Lcache} when Lmax - Lcache < |y| <=
     * Lmax (from 0 down to -1); -1 beyond Lmax.
     *
     * @param maxCompletionLen Lmax
     * @param softPunishCache Lcache, the length of the linear ramp before Lmax
     */
    public static RewardFunction softOverlongPunishment(int maxCompletionLen, int softPunishCache) {
        if (maxCompletionLen < 1) {
            throw new IllegalArgumentException("max_completion_len must be >= 1, got " + maxCompletionLen);
        }
        if (softPunishCache < 0 || softPunishCache > maxCompletionLen) {
            throw new IllegalArgumentException("soft_punish_cache must be in [0, max_completion_len = " + maxCompletionLen
                    + "], got " + softPunishCache);
        }
        return inputs -> {
            List<Double> out = new ArrayList<>(inputs.size());
            for (long[] ids : inputs.completionIds()) {
                int length = ids.length;
                if (length <= maxCompletionLen - softPunishCache) {
                    out.add(0.0);
                } else if (length <= maxCompletionLen) {
                    out.add((double) (maxCompletionLen - softPunishCache - length) / softPunishCache);
                } else {
                    out.add(-1.0);
                }
            }
            return out;
        };
    }

    private static List<Double> compare(RewardInputs inputs, String column, boolean normalise) {
        List<Object> answers = inputs.column(column);
        List<Double> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Object answer = answers.get(i);
            if (answer == null) {
                out.add(null);
                continue;
            }
            String a = answer.toString();
            String c = inputs.completions().get(i);
            boolean same = normalise ? normalize(a).equals(normalize(c)) : a.strip().equals(c.strip());
            out.add(same ? 1.0 : 0.0);
        }
        return out;
    }
}
