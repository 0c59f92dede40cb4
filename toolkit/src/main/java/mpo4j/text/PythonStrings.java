package mpo4j.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mpo4j.hf.PythonJson;

/**
 * Python 3 {@code str} methods and {@code repr}/{@code str} conversions, so a chat template rendered in
 * Java prints what Jinja2 prints. Java's own methods differ exactly where templates rely on Python:
 * {@code "a</think>".split("</think>")} drops the trailing empty part in Java (the regex split), and
 * {@code strip()} uses another set of whitespace characters.
 */
final class PythonStrings {
    private PythonStrings() {}

    /** Python's {@code str.isspace()} for one code point. */
    static boolean isSpace(int c) {
        // Java leaves out the no-break spaces and NEL, which Python counts as whitespace
        return Character.isWhitespace(c) || c == 0x85 || c == 0xA0 || c == 0x2007 || c == 0x202F;
    }

    /** {@code s.strip(chars)}, {@code lstrip}, {@code rstrip}; {@code chars == null} strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0, end = s.length();
        while (left && start < end && stripped(s.codePointAt(start), chars)) start += Character.charCount(s.codePointAt(start));
        while (right && end > start && stripped(s.codePointBefore(end), chars)) end -= Character.charCount(s.codePointBefore(end));
        return s.substring(start, end);
    }

    private static boolean stripped(int c, String chars) {
        return chars == null ? isSpace(c) : chars.codePoints().anyMatch(x -> x == c);
    }

    /**
     * {@code s.split(sep, maxsplit)}: a literal separator keeps empty parts (also the last one);
     * {@code sep == null} splits at whitespace runs and drops empty parts.
     */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep != null) {
            if (sep.isEmpty()) throw new IllegalArgumentException("str.split: empty separator");
            int from = 0, at;
            while ((maxSplit < 0 || out.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
                out.add(s.substring(from, at));
                from = at + sep.length();
            }
            out.add(s.substring(from));
            return out;
        }
        int i = 0, n = s.length();
        while (true) {
            while (i < n && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            if (i >= n) return out;
            if (maxSplit >= 0 && out.size() == maxSplit) {
                out.add(strip(s.substring(i), null, false, true));
                return out;
            }
            int j = i;
            while (j < n && !isSpace(s.codePointAt(j))) j += Character.charCount(s.codePointAt(j));
            out.add(s.substring(i, j));
            i = j;
        }
    }

    /** {@code s.splitlines()}: parts between line boundaries, no empty part after a final boundary. */
    static List<String> splitlines(String s) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("\n\r\u000B\f\u001C\u001D\u001E\u0085\u2028\u2029".indexOf(c) >= 0) {
                out.add(s.substring(from, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
                from = i + 1;
            }
        }
        if (from < s.length()) out.add(s.substring(from));
        return out;
    }

    /** {@code s.rsplit(sep, maxsplit)} with a literal separator. */
    static List<String> rsplit(String s, String sep, int maxSplit) {
        if (sep == null || maxSplit < 0) return split(s, sep, maxSplit);
        List<String> out = new ArrayList<>();
        int end = s.length(), at;
        while (out.size() < maxSplit && (at = s.lastIndexOf(sep, end - sep.length())) >= 0 && end - sep.length() >= 0) {
            out.add(0, s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    /** {@code s.replace(old, new, count)}; {@code count < 0} replaces all. */
    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) return s.replace(old, replacement);
        StringBuilder sb = new StringBuilder();
        int from = 0, at;
        for (long k = 0; k < count && (at = s.indexOf(old, from)) >= 0; k++) {
            sb.append(s, from, at).append(replacement);
            from = at + old.length();
            if (old.isEmpty()) {
                if (from < s.length()) sb.appendCodePoint(s.codePointAt(from));
                from += from < s.length() ? Character.charCount(s.codePointAt(from)) : 1;
                if (from > s.length()) return sb.toString();
            }
        }
        return sb.append(s.substring(Math.min(from, s.length()))).toString();
    }

    /** {@code s.title()}: upper case after every non-letter, lower case elsewhere. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            sb.appendCodePoint(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isLetter(c);
            i += Character.charCount(c);
        }
        return sb.toString();
    }

    /** {@code s.capitalize()}: first character upper (title) case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
    }

    /** {@code str(x)} as Jinja2 prints a value: {@code None}, {@code True}, {@code 1.0}, {@code ['a', 1]}. */
    static String str(Object x) {
        return x instanceof CharSequence cs ? cs.toString() : repr(x);
    }

    /** Python's {@code repr(x)} for the values a template can hold. */
    static String repr(Object x) {
        if (x == null) return "None";
        if (x instanceof Boolean b) return b ? "True" : "False";
        if (x instanceof Double || x instanceof Float) return PythonJson.floatRepr(((Number) x).doubleValue());
        if (x instanceof Number n) return n.toString();
        if (x instanceof CharSequence cs) return stringRepr(cs.toString());
        if (x instanceof Map.Entry<?, ?> e) {
            return "(" + repr(e.getKey()) + ", " + repr(e.getValue()) + ")"; // dictsort and items give tuples
        }
        if (x instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (sb.length() > 1) sb.append(", ");
                sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (x instanceof Collection<?> c) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : c) {
                if (sb.length() > 1) sb.append(", ");
                sb.append(repr(o));
            }
            return sb.append(']').toString();
        }
        throw new IllegalArgumentException("cannot print a " + x.getClass().getName() + " as Python would: " + x);
    }

    /** Python's {@code repr} of a str: single quotes unless the text has one and no double quote. */
    static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(c -> {
            if (c == quote || c == '\\') sb.append('\\').appendCodePoint(c);
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (c < 0x20 || c == 0x7F) sb.append(String.format("\\x%02x", c));
            else sb.appendCodePoint(c);
        });
        return sb.append(quote).toString();
    }
}
