package mpo4j.pairs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mpo4j.online.Rewards;

/**
 * Decides whether a sampled response answers a question correctly: extracts the response's answer and
 * compares it with the known one. {@link #extract} returning null means the response states no answer
 * (InternVL counts those as format failures); such responses are neither chosen nor rejected.
 */
public interface AnswerJudge {

    /** The answer a response states, or null when it states none. */
    String extract(String response);

    /** Whether an extracted answer equals the known answer. */
    boolean matches(String extracted, String answer);

    /** True / false for a judged response, null when it states no answer. */
    default Boolean judge(String response, String answer) {
        String extracted = extract(response);
        return extracted == null ? null : matches(extracted, answer);
    }

    /**
     * The whole response is the answer, compared after {@link Rewards#normalize} (case, surrounding
     * whitespace, trailing punctuation); an empty response states no answer. For short-answer data such as
     * the sample shapes.
     */
    static AnswerJudge normalized() {
        return new AnswerJudge() {
            @Override
            public String extract(String response) {
                String s = Rewards.normalize(response);
                return s.isEmpty() ? null : s;
            }

            @Override
            public boolean matches(String extracted, String answer) {
                return Rewards.normalize(extracted).equals(Rewards.normalize(answer));
            }

            @Override
            public String toString() { return "AnswerJudge.normalized()"; }
        };
    }

    /**
     * Chain-of-thought responses as InternVL prompts for them: the answer is the text after the last
     * {@code "Answer:"} (any case, e.g. "Final answer: B"), up to the end of its line, compared like
     * {@link #normalized()}; a response without that marker states no answer.
     */
    static AnswerJudge finalAnswer() {
        Pattern marker = Pattern.compile("answer\\s*:", Pattern.CASE_INSENSITIVE);
        return new AnswerJudge() {
            @Override
            public String extract(String response) {
                Matcher m = marker.matcher(response);
                int end = -1;
                while (m.find()) {
                    end = m.end();
                }
                if (end < 0) {
                    return null;
                }
                String rest = response.substring(end);
                int newline = rest.indexOf('\n');
                String s = Rewards.normalize(newline < 0 ? rest : rest.substring(0, newline));
                return s.isEmpty() ? null : s;
            }

            @Override
            public boolean matches(String extracted, String answer) {
                return Rewards.normalize(extracted).equals(Rewards.normalize(answer));
            }

            @Override
            public String toString() { return "AnswerJudge.finalAnswer()"; }
        };
    }
}
