package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import mpo4j.hf.PythonJson;
import org.junit.jupiter.api.Test;

/** The Python behaviours templates rely on, against values from the Python language reference. */
class PythonSemanticsTest {

    @Test
    void floatReprSwitchesToExponentOutsideOneTenThousandthToTenQuadrillion() {
        // repr uses scientific notation when the exponent is < -4 or >= 16, with at least two exponent digits
        assertEquals("0.1", PythonJson.floatRepr(0.1));
        assertEquals("0.0001", PythonJson.floatRepr(1e-4));
        assertEquals("1.5e-05", PythonJson.floatRepr(1.5e-5));
        assertEquals("1000000000000000.0", PythonJson.floatRepr(1e15));
        assertEquals("1e+16", PythonJson.floatRepr(1e16));
        assertEquals("-2.0", PythonJson.floatRepr(-2.0));
        assertEquals("-0.0", PythonJson.floatRepr(-0.0));
    }

    @Test
    void sliceIndicesFollowSliceIndices() {
        // slice(None, None, -1).indices(5) -> range(4, -1, -1); slice(-2, None).indices(5) -> range(3, 5)
        assertArrayEquals(new int[] {4, 3, 2, 1, 0}, PythonSlice.indices(5, null, null, -1L));
        assertArrayEquals(new int[] {3, 4}, PythonSlice.indices(5, -2L, null, null));
        // start 10 clamps to 4 for a negative step: range(4, 0, -2) = 4, 2
        assertArrayEquals(new int[] {4, 2}, PythonSlice.indices(5, 10L, 0L, -2L));
        assertArrayEquals(new int[] {1, 3}, PythonSlice.indices(5, 1L, 4L, 2L));
        assertArrayEquals(new int[] {}, PythonSlice.indices(0, null, null, -1L));
        assertArrayEquals(new int[] {}, PythonSlice.indices(5, 3L, 1L, null));
    }

    @Test
    void stringMethods() {
        assertEquals(List.of("", ""), PythonStrings.split("x", "x", -1));
        assertEquals(List.of("a", "b c"), PythonStrings.split(" a  b c", null, 1));  // maxsplit on whitespace keeps the rest
        assertEquals(List.of("a b", "c"), PythonStrings.rsplit("a b c", " ", 1));
        assertEquals(List.of("a", "", "b"), PythonStrings.splitlines("a\n\r\nb\n"));
        assertEquals("-a-b-", PythonStrings.replace("ab", "", "-", -1));       // "ab".replace("", "-") = "-a-b-"
        assertEquals("-ab", PythonStrings.replace("ab", "", "-", 1));
        assertEquals("\"'s'\"", PythonStrings.repr("'s'"));                   // repr("'s'") is "'s'"
        assertEquals("'a\\'b\"c'", PythonStrings.repr("a'b\"c"));             // both quotes: single, \' escaped
        assertEquals("\"it's\"", PythonStrings.repr("it's"));
        assertEquals("'a\\nb\\\\'", PythonStrings.repr("a\nb\\"));
    }

    @Test
    void jsonDumpsEscapesOnlyWhatPythonEscapes() {
        // ensure_ascii=False: é and 中 stay; control characters become \\uXXXX, except the short escapes
        assertEquals("\"é中\\u0001\\t/\"", JinjaEnvironment.tojson("é中\u0001\t/", null));
        assertEquals("[\n\t1\n]", JinjaEnvironment.tojson(List.of(1), "\t"));
    }
}
