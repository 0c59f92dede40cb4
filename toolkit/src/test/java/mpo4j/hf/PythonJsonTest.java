package mpo4j.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Python's json.dumps, case by case. Each expected text is what CPython's json module writes for the value
 * in the comment (its escaping table: quote, backslash, \b \f \n \r \t short, other characters below 0x20 and,
 * with ensure_ascii, every character above 0x7E as lower-case \\uXXXX of each UTF-16 unit; floats as repr).
 */
class PythonJsonTest {
    private static final PythonJson ASCII = PythonJson.DEFAULTS;
    private static final PythonJson RAW = PythonJson.DEFAULTS.ensureAscii(false);

    @Test
    void charactersOutsideTheBmpAreTwoEscapedHalvesOrKeptAsIs() {
        // json.dumps("😀") == '"\\ud83d\\ude00"' (U+1F600 = D83D DE00); ensure_ascii=False keeps it
        assertEquals("\"\\ud83d\\ude00\"", ASCII.dumps("\uD83D\uDE00"));
        assertEquals("\"\uD83D\uDE00\"", RAW.dumps("\uD83D\uDE00"));
        // a lone surrogate, as Python holds it after surrogateescape: escaped alone
        assertEquals("\"\\ud800x\"", ASCII.dumps("\uD800x"));
        // é (U+00E9) and 中 (U+4E2D) with ensure_ascii
        assertEquals("\"\\u00e9\\u4e2d\"", ASCII.dumps("é中"));
    }

    @Test
    void controlCharactersUseTheShortEscapesElseFourHexDigits() {
        // json.dumps("\x00\x08\x0c\x1f\x7f") == '"\\u0000\\b\\f\\u001f\\u007f"': DEL is above '~', so only
        // ensure_ascii escapes it; U+2028 (a JavaScript line break) is not escaped by Python either way
        assertEquals("\"\\u0000\\b\\f\\u001f\\u007f\\u2028\"", ASCII.dumps("\u0000\b\f\u001f\u007f\u2028"));
        assertEquals("\"\\u0000\\b\\f\\u001f\u007f\u2028\"", RAW.dumps("\u0000\b\f\u001f\u007f\u2028"));
        assertEquals("\"a\\\"b\\\\c\\n\\r\\t\"", RAW.dumps("a\"b\\c\n\r\t"));
    }

    @Test
    void slashesAndHtmlAreNotEscaped() {
        // unlike Jinja2's own tojson filter (which writes \u003c), transformers' tojson is plain json.dumps
        assertEquals("\"</think>&'\"", ASCII.dumps("</think>&'"));
        assertEquals("\"</think>&'\"", PythonJson.quote("</think>&'", false));
    }

    @Test
    void floatsAreWrittenAsPythonRepr() {
        // json.dumps([1e-06, 1000000.0, 1e+16, 1e15, 0.0001, -0.0, 0.1]) in Python
        assertEquals("[1e-06, 1000000.0, 1e+16, 1000000000000000.0, 0.0001, -0.0, 0.1]",
                ASCII.dumps(List.of(1e-6, 1e6, 1e16, 1e15, 1e-4, -0.0, 0.1)));
        // allow_nan=True (the default) spells the special values as JavaScript does; repr as Python does
        assertEquals("[NaN, Infinity, -Infinity]", ASCII.dumps(List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
        assertEquals("nan inf -inf", PythonJson.floatRepr(Double.NaN) + " " + PythonJson.floatRepr(Double.POSITIVE_INFINITY) + " "
                + PythonJson.floatRepr(Double.NEGATIVE_INFINITY));
        // 5e-324 (the smallest double) and 1.7976931348623157e+308 (the largest), as repr writes them
        // (Java 17's Double.toString writes 4.9E-324: not the shortest digits that read back)
        assertEquals("[5e-324, 1.7976931348623157e+308]", ASCII.dumps(List.of(Double.MIN_VALUE, Double.MAX_VALUE)));
        // Java 17 writes 5.7353852342750372E18 (17 digits); 16 read back as the same double and 15 do not, so repr
        // writes 16: the shortest round trip
        double large = 5.7353852342750372E18;
        assertEquals(large, Double.parseDouble("5.735385234275037e+18"));
        assertTrue(Double.parseDouble("5.73538523427504e+18") != large && Double.parseDouble("5.73538523427503e+18") != large);
        assertEquals("5.735385234275037e+18", PythonJson.floatRepr(large));
        // a Java float is its own shortest decimal: 0.1f is 0.1, not the double 0.10000000149011612
        assertEquals("[0.1, 1e-06]", ASCII.dumps(List.of(0.1f, 1e-6f)));
        // integers as they are; numbers Gson read from text keep their spelling (an unchanged file stays unchanged)
        assertEquals("[12345678901234567890, 1.0e-5]", ASCII.dumps(JsonParser.parseString("[12345678901234567890, 1.0e-5]")));
    }

    @Test
    void keysAreTurnedIntoStringsAsPythonDoes() {
        // json.dumps({1: "a", 1.5: "b", True: "c", None: "d"}) == '{"1": "a", "1.5": "b", "true": "c", "null": "d"}'
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put(1L, "a");
        m.put(1.5, "b");
        m.put(true, "c");
        m.put(null, "d");
        assertEquals("{\"1\": \"a\", \"1.5\": \"b\", \"true\": \"c\", \"null\": \"d\"}", ASCII.dumps(m));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ASCII.dumps(Map.of(List.of(1), 1)));
        assertEquals("keys must be str, int, float, bool or None, not " + List.of(1).getClass().getName(), e.getMessage());
        Object opaque = new Object();
        assertEquals("a java.lang.Object is not JSON serializable: " + opaque,
                assertThrows(IllegalArgumentException.class, () -> ASCII.dumps(opaque)).getMessage());
    }

    @Test
    void indentAndSortKeysLayOutLikePython() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 1);
        m.put("a", new ArrayList<>(Arrays.asList(null, new LinkedHashMap<>(), List.of())));
        // json.dumps(m): ", " and ": " on one line, insertion order
        assertEquals("{\"b\": 1, \"a\": [null, {}, []]}", ASCII.dumps(m));
        // json.dumps(m, indent=2, sort_keys=True): "," at line ends, empty containers stay "{}" and "[]"
        assertEquals("{\n  \"a\": [\n    null,\n    {},\n    []\n  ],\n  \"b\": 1\n}", ASCII.indent(2).sortKeys(true).dumps(m));
        // indent=0 still breaks lines, with no indentation; indent="\t" indents by tabs; indent(null) is one line again
        assertEquals("[\n1,\n2\n]", ASCII.indent(0).dumps(List.of(1, 2)));
        assertEquals("[\n\t[\n\t\t1\n\t]\n]", ASCII.indent("\t").dumps(List.of(List.of(1))));
        assertEquals("[1, 2]", ASCII.indent(4).indent(null).dumps(List.of(1, 2)));
        // the settings are a value: each setter returns a copy
        assertEquals(new PythonJson(false, "  ", true), RAW.indent(2).sortKeys(true));
        assertEquals(new PythonJson(true, null, false), ASCII);
    }

    @Test
    void configFilesEndWithANewlineAndEscapeNonAscii() {
        // transformers: json.dumps(config, indent=2, sort_keys=True) + "\n"
        assertEquals("{\n  \"a\": \"\\u00e9</\",\n  \"eps\": 1e-06\n}\n",
                PythonJson.fileText(JsonParser.parseString("{\"eps\": 1e-06, \"a\": \"é</\"}")));
    }
}
