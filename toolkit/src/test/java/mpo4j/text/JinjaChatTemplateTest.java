package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each Jinja feature HF chat templates use, against the output Python Jinja2 gives in transformers'
 * environment (trim_blocks, lstrip_blocks). Expected strings are worked out by hand from Jinja2's
 * documented rules, written next to each case.
 */
class JinjaChatTemplateTest {

    private static String render(String template) {
        return render(template, ChatInput.ofMessages(List.of(ChatInput.message("user", "hi"))));
    }

    private static String render(String template, ChatInput input) {
        return new JinjaChatTemplate(template).render(input);
    }

    private static ChatInput with(String name, Object value) {
        return ChatInput.ofMessages(List.of(ChatInput.message("user", "hi"))).variable(name, value);
    }

    @Test
    void trimBlocksRemovesTheNewlineAfterABlockTag() {
        // "{% if true %}\n" loses its "\n", "A\n" stays, "{% endif %}\n" loses its "\n", then "B"
        assertEquals("A\nB", render("{% if true %}\nA\n{% endif %}\nB"));
    }

    @Test
    void lstripBlocksStripsOnlyAtLineStartAndOnlyBeforeBlockTags() {
        // at the line start "  " before {% is stripped; after "a" it is not; before {{ never
        assertEquals("X|a  X|\n  v", render("  {% if true %}X{% endif %}|a  {% if true %}X{% endif %}|\n  {{ 'v' }}"));
        // line 2: "  " before {% if %} goes -> "X"; {%- strips "  \n  " -> "Y"; trim_blocks eats the "\n" after
        // endif; "  " before a comment at a line start goes, after text it stays
        assertEquals("a\nXYZ|b  Z", render("a\n  {% if true %}X{% endif %}  \n  {%- if true %}Y{% endif %}\n  {# c #}Z|b  {# c #}Z"));
        // {%+ turns lstrip off for that tag
        assertEquals("  X", render("  {%+ if true %}X{% endif %}"));
    }

    @Test
    void oneTrailingNewlineOfTheTemplateIsDropped() {
        // keep_trailing_newline=False removes exactly one final "\n"; "\r\n" is read as "\n"
        assertEquals("A", render("A\n"));
        assertEquals("A\n", render("A\n\n"));
        assertEquals("A\nB", render("A\r\nB\r\n"));
    }

    @Test
    void minusStripsAllWhitespaceOnThatSideOfTagsAndExpressions() {
        // {%- / -%} eat "  " and the spaces around B; {{- eats "\n    " before it, -}} eats "\n   " after it
        assertEquals("ABC", render("A  {%- if true -%}  B  {%- endif -%}  C"));
        assertEquals("AxB yC", render("A\n    {{- 'x' -}}\n   B {{ 'y' -}} C"));
        // the Qwen layout: every line indented, all whitespace removed by the minus signs
        assertEquals("x", render("{%- if true %}\n    {{- 'x' }}\n{%- endif %}"));
    }

    @Test
    void pythonSplitKeepsEmptyPartsAndSplitsWhitespaceRuns() {
        // "a</think>".split("</think>") == ["a", ""]: [-1] is "", 2 parts (Java's split would drop the "")
        assertEquals("|2", render("{{ s.split('</think>')[-1] }}|{{ s.split('</think>')|length }}", with("s", "a</think>")));
        assertEquals("['a', 'b', '', 'c']|['x', 'y']|['a', 'b,c']", render("{{ 'a,b,,c'.split(',') }}|{{ '  x y  '.split() }}|{{ 'a,b,c'.split(',', 1) }}"));
    }

    @Test
    void pythonStripFamilyWithAndWithoutCharacters() {
        // strip('x') removes x from both ends; NBSP (U+00A0) is whitespace to Python; lstrip('\n') keeps the final "\n"
        assertEquals("hi|hi|hi\n|hi\n\n", render("{{ 'xxhixx'.strip('x') }}|{{ nb.strip() }}|{{ '\\n\\nhi\\n'.lstrip('\\n') }}|{{ '  hi\\n\\n'.lstrip() }}",
                with("nb", "\u00a0hi\u00a0")));
        assertEquals("  hi", render("{{ '  hi \\n'.rstrip() }}"));
    }

    @Test
    void pythonReplaceCaseAndPrefixMethods() {
        // replace with count 2 changes the first two "a"; upper/lower/title as Python
        assertEquals("bba|ABab|Hello World", render("{{ 'aaa'.replace('a','b',2) }}|{{ 'aB'.upper() }}{{ 'aB'.lower() }}|{{ 'hello wORLD'.title() }}"));
        assertEquals("TrueTrueFalse", render("{{ s.startswith('a') }}{{ s.endswith('</think>') }}{{ s.startswith('x') }}", with("s", "a</think>")));
    }

    @Test
    void namespaceAssignmentSurvivesTheLoop() {
        // 0 + 1 + 2 + 3 = 6; keyword values are whole expressions: [1, 2, 3]|length - 1 = 2 (not a parameter minus 1)
        assertEquals("6", render("{% set ns = namespace(n=0) %}{% for m in [1,2,3] %}{% set ns.n = ns.n + m %}{% endfor %}{{ ns.n }}"));
        assertEquals("2", render("{% set ns = namespace(last=[1,2,3]|length - 1) %}{{ ns.last }}"));
    }

    @Test
    void slicesWithStepsAndTheLoopVariables() {
        // [1,2,3][::-1] = [3,2,1]; per item: value, index0, first, last, length
        assertEquals("30TrueFalse3;21FalseFalse3;12FalseTrue3;",
                render("{% for x in [1,2,3][::-1] %}{{ x }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}"));
        // 'hello'[1:3] = 'el'; [::-2] takes o, l, h; [-2:] of 4 items = [3, 4]; [1:][0] = 2; messages[1:] of one message = []
        assertEquals("el|olh|[3, 4]|2|[]", render("{{ 'hello'[1:3] }}|{{ 'hello'[::-2] }}|{{ [1,2,3,4][-2:] }}|{{ [1,2,3][1:][0] }}|{{ messages[1:] }}"));
        // a colon inside a string or a dict literal is not a slice
        assertEquals("a:b|1", render("{{ 'a:b' }}|{{ {'k': 1}['k'] }}"));
    }

    @Test
    void testsAndTheInOperator() {
        assertEquals("TrueTrueFalseFalseTrueTrueFalse", render(
                "{{ 'a' is string }}{{ d is mapping }}{{ x is defined }}{{ [1] is mapping }}{{ none is none }}{{ et is false }}{{ zz is false }}",
                with("d", Map.of("a", 1)).variable("et", false)));
        assertEquals("TrueFalseTrueTrue", render("{{ 'ell' in 'hello' }}{{ 'z' in 'hello' }}{{ 'a' in d }}{{ 2 in [1,2] }}", with("d", Map.of("a", 1))));
    }

    @Test
    void lengthAndTrimFilters() {
        // trim is str.strip(chars): "  x \n" -> "x", "xxyxx" with 'x' -> "y"
        assertEquals("2xy", render("{{ [1,2]|length }}{{ '  x \\n'|trim }}{{ 'xxyxx'|trim('x') }}"));
    }

    @Test
    void tojsonIsPythonJsonDumpsWithoutAsciiEscapes() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("b", 1);
        d.put("a", new ArrayList<>(Arrays.asList(1.5, "é\"\n", true, null)));
        // json.dumps(d, ensure_ascii=False): ", " and ": " separators, keys in insertion order, é kept, \" and \n escaped
        assertEquals("{\"b\": 1, \"a\": [1.5, \"é\\\"\\n\", true, null]}", render("{{ d|tojson }}", with("d", d)));
        // indent=2: "," at line ends, nested levels indented by 2 more
        assertEquals("{\n  \"b\": 1,\n  \"a\": [\n    1.5,\n    \"é\\\"\\n\",\n    true,\n    null\n  ]\n}", render("{{ d|tojson(indent=2) }}", with("d", d)));
        assertEquals("{}|[]|1e-05|10000000000.0", render("{{ {}|tojson }}|{{ []|tojson }}|{{ f|tojson }}|{{ g|tojson }}", with("f", 1e-5).variable("g", 1e10)));
        // transformers' tojson is plain json.dumps: "</" is not HTML-escaped (Jinja2's own tojson would escape '<'),
        // a character outside the BMP stays as is, control characters get a 4-digit escape, DEL stays raw (ensure_ascii=False)
        assertEquals("\"\uD83D\uDE00</think>\\u0001\u007f\"", render("{{ s|tojson }}", with("s", "\uD83D\uDE00</think>\u0001\u007f")));
        assertEquals("[1e-06, 1000000.0, 1e+16]", render("{{ x|tojson }}", with("x", List.of(1e-6, 1e6, 1e16))));
    }

    @Test
    void valuesPrintAsPythonStr() {
        // str(True), str(None), str(1.0), str([1, 'a']); an undefined name prints ""; tools passed as None prints "None"
        assertEquals("TrueNone1.0[1, 'a']|None", render("{{ true }}{{ none }}{{ 1.0 }}{{ [1, 'a'] }}{{ undefined_var }}|{{ tools }}"));
        assertEquals("1dflt|b=1;a=[1.5, 'é', True, None];", render("{{ d.get('b', 'x') }}{{ d.get('zz', 'dflt') }}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
                with("d", orderedMap("b", 1, "a", Arrays.asList(1.5, "é", true, null)))));
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        var e = assertThrows(ChatTemplateException.class, () -> render("{% if messages[0].role == 'user' %}{{ raise_exception('Only system first!') }}{% endif %}"));
        assertEquals("Only system first!", e.getMessage());
        assertTrue(e.raisedByTemplate());
    }

    @Test
    void strftimeNowFormatsTheLocalDate() {
        LocalDate before = LocalDate.now();
        String rendered = render("{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}");
        LocalDate after = LocalDate.now();
        LocalDate day = rendered.startsWith(before.toString()) ? before : after; // the day may turn during the call
        assertEquals(day + "|" + String.format("%02d %s %d", day.getDayOfMonth(),
                day.getMonth().getDisplayName(java.time.format.TextStyle.SHORT, java.util.Locale.US), day.getYear()), rendered);
    }

    @Test
    void specialTokensAndExtraVariablesAreTemplateVariables() {
        var t = new JinjaChatTemplate(Map.of("default", "{{ bos_token }}|{{ eos_token }}|{{ enable_thinking }}|{{ add_generation_prompt }}"),
                Map.of("eos_token", "<|im_end|>"));
        // bos_token undefined prints ""; an extra variable is visible; add_generation_prompt defaults to False
        assertEquals("|<|im_end|>|False|False", t.render(ChatInput.ofMessages(List.of()).enableThinking(false)));
    }

    @Test
    void whatCannotBeRenderedAsJinja2FailsByName() {
        var unknown = assertThrows(ChatTemplateException.class, () -> render("{{ 'abc'.zfill(5) }}"));
        assertTrue(unknown.getMessage().contains("zfill") && !unknown.raisedByTemplate(), unknown.getMessage());
        var mutate = assertThrows(ChatTemplateException.class, () -> render("{% set x = [1] %}{{ x.append(2) }}"));
        assertTrue(mutate.getMessage().contains("list.append() is not allowed") && mutate.getMessage().contains("ImmutableSandboxedEnvironment"), mutate.getMessage());
        var tag = assertThrows(ChatTemplateException.class, () -> render("{% trans %}x{% endtrans %}"));
        assertTrue(tag.getMessage().contains("trans"), tag.getMessage());
        var step = assertThrows(ChatTemplateException.class, () -> render("{{ [1, 2][::0] }}"));
        assertTrue(step.getMessage().contains("step cannot be zero"), step.getMessage());
    }

    @Test
    void concatenatingNoneOrANumberToAStringIsPythonsTypeError() {
        // Jinja2: 'a' + None and 'a' + 1 raise TypeError (Jinjava alone would print "anull" and "a1"); a null
        // message content concatenated by a template is the usual way to get there
        var none = assertThrows(ChatTemplateException.class, () -> render("{{ '<|im_start|>' + messages[0].content }}",
                ChatInput.fromJson("[{\"role\": \"assistant\", \"content\": null}]")));
        assertTrue(none.getMessage().contains("can only concatenate str (not \"NoneType\")"), none.getMessage());
        var number = assertThrows(ChatTemplateException.class, () -> render("{{ 'turn ' + 1 }}"));
        assertTrue(number.getMessage().contains("(not \"int\")"), number.getMessage());
        // numbers add, strings concatenate, ~ converts: 1 + 2 = 3, 'a' ~ 1 = 'a1'
        assertEquals("3|ab|a1", render("{{ 1 + 2 }}|{{ 'a' + 'b' }}|{{ 'a' ~ 1 }}"));
    }

    @Test
    void macrosUnaryMinusSequencesAndTuplesFromDictsort() {
        // a macro default stays a default: f(1) -> [1d], f(1, b=2) -> [12]
        assertEquals("[1d][12]", render("{% macro f(a, b='d') %}[{{ a }}{{ b }}]{% endmacro %}{{ f(1) }}{{ f(1, b=2) }}"));
        // unary minus binds first: -7 // 2 = floor(-3.5) = -4; 0 - 7 // 2 = 0 - 3 = -3
        assertEquals("-7|-4|-3", render("{{ -7 }}|{{ -7 // 2 }}|{{ 0 - 7 // 2 }}"));
        // strings and dicts are sequences to Jinja2; dictsort gives (key, value) tuples sorted by key
        assertEquals("TrueTrue|[('a', 2), ('b', 1)]", render("{{ 'a' is sequence }}{{ {} is sequence }}|{{ {'b': 1, 'a': 2}|dictsort }}"));
    }

    @Test
    void unknownFiltersAndLoopAttributesFailInsteadOfPrintingNothing() {
        // Jinja2 refuses an unknown filter at compile time; Jinjava alone would print nothing
        var filter = assertThrows(ChatTemplateException.class, () -> render("{{ {'a': 1}|items|list }}"));
        assertTrue(filter.getMessage().contains("no filter named 'items'"), filter.getMessage());
        // a "|" inside a string is not a filter
        assertEquals("<|im_start|>", render("{{ '<|im_start|>' }}"));
        var loop = assertThrows(ChatTemplateException.class, () -> render("{% for x in [1] %}{{ loop.previtem }}{% endfor %}"));
        assertTrue(loop.getMessage().contains("loop.previtem"), loop.getMessage());
        var function = assertThrows(ChatTemplateException.class, () -> render("{{ dict(a=1) }}"));
        assertTrue(function.getMessage().contains("dict"), function.getMessage());
    }

    @Test
    void generationBlocksRenderTheirBody() {
        // transformers' AssistantTracker: {% generation %} only marks a span; trim_blocks eats the "\n" after each tag
        assertEquals("a<b>c", render("a{% generation %}\n<{{ 'b' }}>{% endgeneration %}\nc"));
    }

    @Test
    void toolsPassedAsNoneAreDefined() {
        // transformers calls render(tools=None, documents=None): both are defined, and none
        assertEquals("TrueFalseFalseTrue|FalseTrue|F", render("{{ tools is defined }}{{ tools is not defined }}{{ not documents is defined }}"
                + "{{ tools is none }}|{{ nope is defined }}{{ nope is not defined }}|{% if tools is defined and tools is not none %}T{% else %}F{% endif %}"));
        assertEquals("tools is defined", render("{{ 'tools is defined' }}"));
    }

    @Test
    void namedTemplatesPickToolUseWhenToolsArePassed() {
        var t = new JinjaChatTemplate(Map.of("default", "D", "tool_use", "T{{ tools|length }}"), Map.of());
        ChatInput chat = ChatInput.ofMessages(List.of());
        assertEquals("D", t.render(chat));
        assertEquals("T1", t.render(chat.toolsJson("[{\"type\": \"function\"}]")));
    }

    private static Map<String, Object> orderedMap(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
