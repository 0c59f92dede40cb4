package mpo4j.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The changes made to a template's source before Jinjava parses it, so it renders as Jinja2 would:
 * Jinja2's lexer turns every {@code \r\n} and {@code \r} into {@code \n} and drops one trailing
 * newline ({@code keep_trailing_newline=False}); {@code lstrip_blocks} and the minus of {@code {{-}
 * and {@code -}}} are applied here, as Jinjava gets them wrong; Python slices ({@code messages[::-1]},
 * {@code text[1:]}), which Jinjava cannot parse with a step, become {@code (x|mpo4j_slice(a, b, c))}.
 */
final class TemplateSource {
    private TemplateSource() {}

    static String prepare(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        return rewriteSlices(s);
    }

    /**
     * Rewrites slices and keyword arguments inside {@code {{ }}} and {@code {% %}}, and applies the
     * whitespace control of {@code {{-} and {@code -}}} (which Jinjava ignores on expressions) by
     * removing the whitespace itself; text, comments and raw blocks are otherwise left alone.
     */
    static String rewriteSlices(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        boolean stripNext = false;
        while (i < s.length()) {
            int open = nextDelimiter(s, i);
            String text = s.substring(i, open < 0 ? s.length() : open);
            if (stripNext) {
                text = text.stripLeading();
                stripNext = false;
            }
            if (open >= 0 && (s.startsWith("{%", open) || s.startsWith("{#", open)) && open + 2 < s.length() && s.charAt(open + 2) != '+') {
                text = lstripBlock(text, i == 0);
            }
            out.append(text);
            if (open < 0) {
                break;
            }
            String kind = s.substring(open, open + 2);
            if (kind.equals("{#")) {
                int end = s.indexOf("#}", open + 2);
                end = end < 0 ? s.length() : end + 2;
                out.append(s, open, end);
                i = end;
                continue;
            }
            String close = kind.equals("{{") ? "}}" : "%}";
            int end = closingDelimiter(s, open + 2, close);
            String inner = s.substring(open + 2, end);
            if (kind.equals("{{")) {
                // Jinja2 strips all whitespace (newlines too) before {{- and after -}}
                if (inner.startsWith("-")) {
                    trimTrailingWhitespace(out);
                    inner = inner.substring(1);
                }
                if (inner.endsWith("-")) {
                    stripNext = true;
                    inner = inner.substring(0, inner.length() - 1);
                }
                if (inner.stripLeading().startsWith("-")) {
                    inner = " (" + inner.strip() + ") "; // Jinjava would take "{{ -x }}" for whitespace control and print x
                }
            }
            if (UNSUPPORTED_LOOP.matcher(inner).find()) {
                throw new ChatTemplateException("cannot parse the chat_template: loop.previtem / loop.nextitem are not "
                        + "supported by mpo4j (Jinjava has no such loop attributes) in '" + inner.trim() + "'", false);
            }
            // a macro's signature keeps its defaults as written: "b='d'" is not a call's keyword argument
            boolean macro = kind.equals("{%") && inner.replaceAll("^[-+\\s]+", "").startsWith("macro ");
            out.append(kind).append(macro ? inner : rewriteExpression(inner)).append(close);
            i = end + 2;
            if (kind.equals("{%") && inner.replaceAll("^[-+\\s]+|[-+\\s]+$", "").equals("raw")) {
                int endRaw = s.indexOf("endraw", i);
                int rawEnd = endRaw < 0 ? s.length() : s.indexOf("%}", endRaw) + 2;
                out.append(s, i, rawEnd);
                i = rawEnd;
            }
        }
        return out.toString();
    }

    /**
     * Jinja2's {@code lstrip_blocks}: spaces and tabs between the start of a line and a block or
     * comment tag are removed; Jinjava's own option also strips them after text on the same line.
     *
     * @param startOfTemplate whether {@code text} starts the template (and so a line)
     */
    private static String lstripBlock(String text, boolean startOfTemplate) {
        int lineStart = text.lastIndexOf('\n') + 1;
        if (lineStart == 0 && !startOfTemplate) {
            return text; // a tag precedes on this line
        }
        for (int k = lineStart; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '\n' || !Character.isWhitespace(c)) return text;
        }
        return text.substring(0, lineStart);
    }

    private static void trimTrailingWhitespace(StringBuilder out) {
        int n = out.length();
        while (n > 0 && Character.isWhitespace(out.charAt(n - 1))) n--;
        // never into the previous tag: only text can end in whitespace here
        out.setLength(n);
    }

    /** Names used as filters ({@code x|name}) in the tags and expressions of a prepared source. */
    static Set<String> filterNames(String s) {
        Set<String> names = new TreeSet<>();
        int i = 0;
        while ((i = nextDelimiter(s, i)) >= 0) {
            if (s.startsWith("{#", i)) {
                int end = s.indexOf("#}", i + 2);
                i = end < 0 ? s.length() : end + 2;
                continue;
            }
            int end = closingDelimiter(s, i + 2, s.startsWith("{{", i) ? "}}" : "%}");
            String e = s.substring(i + 2, end);
            for (int k = 0; k < e.length(); k++) {
                char c = e.charAt(k);
                if (c == '\'' || c == '"') {
                    k = endOfString(e, k) - 1;
                } else if (c == '|') {
                    int from = k + 1;
                    while (from < e.length() && Character.isWhitespace(e.charAt(from))) from++;
                    int to = from;
                    while (to < e.length() && (Character.isLetterOrDigit(e.charAt(to)) || e.charAt(to) == '_')) to++;
                    if (to > from) names.add(e.substring(from, to));
                }
            }
            i = end + 2;
        }
        return names;
    }

    private static int nextDelimiter(String s, int from) {
        for (int i = from; i + 1 < s.length(); i++) {
            char a = s.charAt(i), b = s.charAt(i + 1);
            if (a == '{' && (b == '{' || b == '%' || b == '#')) return i;
        }
        return -1;
    }

    private static int closingDelimiter(String s, int from, String close) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfString(s, i) - 1;
            } else if (s.startsWith(close, i)) {
                return i;
            }
        }
        throw new ChatTemplateException("cannot parse the chat template: '" + s.substring(from - 2, Math.min(s.length(), from + 40))
                + "...' is never closed with " + close, false);
    }

    /** Index just after the string literal that starts at {@code start}. */
    private static int endOfString(String s, int start) {
        char quote = s.charAt(start);
        for (int i = start + 1; i < s.length(); i++) {
            if (s.charAt(i) == '\\') i++;
            else if (s.charAt(i) == quote) return i + 1;
        }
        return s.length();
    }

    /** {@code NAME is [not] defined} for a plain variable name, outside strings. */
    private static final Pattern DEFINED_TEST = Pattern.compile("(?<![\\w.\\]\\)])([A-Za-z_][A-Za-z0-9_]*)\\s+is\\s+(not\\s+)?defined\\b");

    /**
     * transformers passes {@code tools=None} and {@code documents=None}, which Jinja2 counts as defined;
     * Jinjava has no None distinct from undefined, so a name the caller bound to None is asked for.
     */
    private static String rewriteDefinedTests(String e) {
        Matcher m = DEFINED_TEST.matcher(e);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String test = "(" + m.group(1) + " is defined or " + JinjaEnvironment.BOUND_NONE_FUNCTION + "('" + m.group(1) + "'))";
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2) != null ? "(not " + test + ")" : test));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String rewriteExpression(String e) {
        StringBuilder out = new StringBuilder(e.length());
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = endOfString(e, i);
                out.append(e, i, end);
                i = end;
            } else if (c == '[') {
                int close = matching(e, i);
                String inner = e.substring(i + 1, close);
                List<String> parts = splitTopLevel(inner, ':');
                int target = targetStart(out);
                if (parts.size() > 1 && target < out.length()) {
                    if (parts.size() > 3) {
                        throw new ChatTemplateException("cannot parse the chat template: bad slice [" + inner + "]", false);
                    }
                    StringBuilder call = new StringBuilder("(").append(out, target, out.length())
                            .append('|').append(JinjaEnvironment.SLICE_FILTER).append('(');
                    for (int k = 0; k < 3; k++) {
                        String p = k < parts.size() ? parts.get(k).trim() : "";
                        call.append(k > 0 ? ", " : "").append(p.isEmpty() ? "none" : rewriteExpression(p));
                    }
                    out.setLength(target);
                    out.append(call).append("))");
                } else {
                    out.append('[').append(rewriteExpression(inner)).append(']');
                }
                i = close + 1;
            } else if (c == '(') {
                int close = matching(e, i);
                String inner = e.substring(i + 1, close);
                boolean call = out.length() > 0 && (Character.isLetterOrDigit(out.charAt(out.length() - 1)) || out.charAt(out.length() - 1) == '_');
                out.append('(');
                if (call) {
                    // Jinjava binds "name=value" tighter than operators: namespace(n=xs|length - 1) would
                    // subtract from the parameter, so each keyword argument's value gets parentheses
                    List<String> args = splitTopLevel(inner, ',');
                    for (int k = 0; k < args.size(); k++) {
                        Matcher m = KEYWORD_ARGUMENT.matcher(args.get(k));
                        out.append(k > 0 ? "," : "").append(m.matches()
                                ? m.group(1) + "=(" + rewriteExpression(m.group(2)) + ")" : rewriteExpression(args.get(k)));
                    }
                } else {
                    out.append(rewriteExpression(inner));
                }
                out.append(')');
                i = close + 1;
            } else {
                int end = i;
                while (end < e.length() && "'\"[(".indexOf(e.charAt(end)) < 0) end++;
                out.append(rewriteDefinedTests(e.substring(i, end)));
                i = end;
            }
        }
        return out.toString();
    }

    private static final Pattern UNSUPPORTED_LOOP = Pattern.compile("\\bloop\\.(previtem|nextitem)\\b");

    private static final Pattern KEYWORD_ARGUMENT = Pattern.compile("(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*)=(?!=)(.*)", Pattern.DOTALL);

    /** Index of the bracket closing the one at {@code open}, skipping strings and nested brackets. */
    private static int matching(String e, int open) {
        int depth = 0;
        for (int i = open; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfString(e, i) - 1;
            } else if (c == '[' || c == '(' || c == '{') {
                depth++;
            } else if (c == ']' || c == ')' || c == '}') {
                if (--depth == 0) return i;
            }
        }
        throw new ChatTemplateException("cannot parse the chat template: unbalanced brackets in '" + e + "'", false);
    }

    /** The operands of {@code expr} around top-level {@code operator} characters. */
    static List<String> topLevelOperands(String expr, char operator) {
        return splitTopLevel(expr, operator);
    }

    /** The parts of {@code inner} between top-level {@code separator}s (outside strings and brackets). */
    private static List<String> splitTopLevel(String inner, char separator) {
        List<String> parts = new ArrayList<>();
        int depth = 0, from = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfString(inner, i) - 1;
            } else if (c == '[' || c == '(' || c == '{') {
                depth++;
            } else if (c == ']' || c == ')' || c == '}') {
                depth--;
            } else if (c == separator && depth == 0) {
                parts.add(inner.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(inner.substring(from));
        return parts;
    }

    /**
     * Where the expression being subscripted starts in {@code out}: a chain of names, dots, calls,
     * subscripts and string literals ending at the end of {@code out}; {@code out.length()} when the
     * bracket opens a list literal instead.
     */
    private static int targetStart(CharSequence out) {
        int k = out.length();
        while (k > 0) {
            char c = out.charAt(k - 1);
            if (c == ')' || c == ']') {
                char opener = c == ')' ? '(' : '[';
                int depth = 0, j = k - 1;
                for (; j >= 0; j--) {
                    char d = out.charAt(j);
                    if (d == c) depth++;
                    else if (d == opener && --depth == 0) break;
                }
                if (j < 0) return k;
                k = j;
            } else if (c == '\'' || c == '"') {
                int j = k - 2;
                while (j >= 0 && (out.charAt(j) != c || (j > 0 && out.charAt(j - 1) == '\\'))) j--;
                if (j < 0) return k;
                k = j;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                k--;
            } else {
                break;
            }
        }
        return k;
    }
}
