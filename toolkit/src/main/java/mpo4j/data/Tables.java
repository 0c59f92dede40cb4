package mpo4j.data;

import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/** Tablesaw views and one-line summaries of records. */
final class Tables {
    private Tables() {}

    static Table of(Dataset<?> data, ToIntFunction<String> tokenCount) {
        Object first = data.size() > 0 ? data.get(0) : null;
        if (first instanceof RewardPair) {
            return rewards(data);
        }
        if (first == null || first instanceof PreferencePair) {
            return preferences(data, tokenCount);
        }
        StringColumn value = StringColumn.create("record");
        for (Object o : data) value.append(String.valueOf(o));
        return Table.create("dataset", value);
    }

    private static Table preferences(Dataset<?> data, ToIntFunction<String> tokenCount) {
        StringColumn source = StringColumn.create("source");
        StringColumn prompt = StringColumn.create("prompt");
        StringColumn chosen = StringColumn.create("chosen");
        StringColumn rejected = StringColumn.create("rejected");
        IntColumn images = IntColumn.create("images");
        IntColumn promptTokens = IntColumn.create("prompt_tokens");
        IntColumn chosenTokens = IntColumn.create("chosen_tokens");
        IntColumn rejectedTokens = IntColumn.create("rejected_tokens");
        for (Object o : data) {
            PreferencePair p = (PreferencePair) o;
            String promptText = promptText(p.prompt());
            source.append(p.source().toString());
            prompt.append(flat(promptText));
            chosen.append(flat(p.chosen()));
            rejected.append(p.rejected() == null ? "" : flat(p.rejected()));
            images.append(p.images().size());
            if (tokenCount != null) {
                promptTokens.append(tokenCount.applyAsInt(promptText));
                chosenTokens.append(tokenCount.applyAsInt(p.chosen()));
                rejectedTokens.append(p.rejected() == null ? 0 : tokenCount.applyAsInt(p.rejected()));
            }
        }
        Table t = Table.create(title("preference pairs", data), source, prompt, chosen, rejected, images);
        if (tokenCount != null) t.addColumns(promptTokens, chosenTokens, rejectedTokens);
        return t;
    }

    private static Table rewards(Dataset<?> data) {
        StringColumn source = StringColumn.create("source");
        StringColumn prompt = StringColumn.create("prompt");
        StringColumn r0 = StringColumn.create("response0");
        StringColumn r1 = StringColumn.create("response1");
        IntColumn images = IntColumn.create("images");
        StringColumn labels = StringColumn.create("labels");
        for (Object o : data) {
            RewardPair p = (RewardPair) o;
            source.append(p.source().toString());
            prompt.append(flat(promptText(p.prompt())));
            r0.append(flat(p.response0()));
            r1.append(flat(p.response1()));
            images.append(p.images().size());
            labels.append(labelText(p.labels()));
        }
        return Table.create(title("reward pairs", data), source, prompt, r0, r1, images, labels);
    }

    /** The table name, which Tablesaw prints as the title: skipped bad lines are never silent. */
    private static String title(String what, Dataset<?> data) {
        long skipped = data.skipped();
        return skipped == 0 ? what : what + " (" + skipped + " bad line" + (skipped == 1 ? "" : "s") + " skipped)";
    }

    /** Newlines shown as a visible {@code \n}, so printed tables keep one line per row. */
    static String flat(String s) {
        return s.replace("\n", "\\n");
    }

    /** A single user turn shows as its text; longer conversations as {@code role: text} lines. */
    static String promptText(List<ChatMessage> prompt) {
        if (prompt.size() == 1 && prompt.get(0).role().equals("user")) return prompt.get(0).content();
        return prompt.stream().map(m -> m.role() + ": " + m.content()).collect(Collectors.joining("\n"));
    }

    static String oneLine(Object o) {
        if (o instanceof PreferencePair p) {
            return p.source() + "  " + quote(promptText(p.prompt()), 70) + " -> chosen " + quote(p.chosen(), 40)
                    + ", rejected " + quote(p.rejected(), 40) + imageCount(p.images().size());
        }
        if (o instanceof RewardPair p) {
            return p.source() + "  " + quote(promptText(p.prompt()), 70) + " -> 0: " + quote(p.response0(), 40)
                    + ", 1: " + quote(p.response1(), 40) + " " + labelText(p.labels()) + imageCount(p.images().size());
        }
        return quote(String.valueOf(o), 150);
    }

    private static String imageCount(int n) {
        return n == 0 ? " (text only)" : " (" + n + (n == 1 ? " image)" : " images)");
    }

    static String quote(String s, int max) {
        if (s == null) return "null";
        String flat = flat(s);
        if (flat.length() > max) flat = flat.substring(0, max - 3) + "...";
        return "\"" + flat + "\"";
    }

    /** Labels as people write them, {@code preference=B, helpful=A} (head order), not Java's map text. */
    static String labelText(java.util.Map<String, String> labels) {
        return new java.util.TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(java.util.stream.Collectors.joining(", "));
    }
}
