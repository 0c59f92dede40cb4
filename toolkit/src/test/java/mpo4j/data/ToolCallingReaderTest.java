package mpo4j.data;

import static mpo4j.data.Files4Test.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TRL conversational lines with tool calls, tool turns and a tools column: read into pairs, or rejected naming line and field. */
class ToolCallingReaderTest {
    @TempDir
    Path dir;

    private static final String TOOL = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\"}}}";

    @Test
    void toolFieldsAreRead() {
        Path f = write(dir.resolve("t.jsonl"), "{\"prompt\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, "
                + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"type\": \"function\", \"function\": "
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}}]}, "
                + "{\"role\": \"tool\", \"name\": \"get_weather\", \"tool_call_id\": \"call_1\", \"content\": \"21\"}], "
                + "\"chosen\": [{\"role\": \"assistant\", \"content\": \"21 °C.\"}], "
                + "\"rejected\": [{\"role\": \"assistant\", \"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": \"{}\"}]}], "
                + "\"tools\": [" + TOOL + "]}",
                "{\"prompt\": \"Hi\", \"chosen\": \"a\", \"rejected\": \"b\", \"tools\": \"[" + TOOL.replace("\"", "\\\"") + "]\"}");
        Dataset<PreferencePair> d = Datasets.load(f);
        PreferencePair p = d.get(0);
        ChatMessage call = p.prompt().get(1);
        assertEquals("", call.content(), "a null content next to tool calls reads as empty");
        assertEquals(Map.of("city", "Paris", "days", 2L), ((Map<?, ?>) call.toolCalls().get(0).get("function")).get("arguments"),
                "integers stay integers, as json.loads reads them");
        ChatMessage tool = p.prompt().get(2);
        assertEquals("tool", tool.role());
        assertEquals("get_weather", tool.name());
        assertEquals("call_1", tool.toolCallId());
        assertEquals("21 °C.", p.chosen());
        assertTrue(p.chosenToolCalls().isEmpty());
        assertEquals("", p.rejected());
        assertEquals("get_weather", p.rejectedToolCalls().get(0).get("name"));
        assertEquals(p.rejectedToolCalls(), p.rejectedMessage().toolCalls());
        assertEquals("get_weather", ((Map<?, ?>) p.tools().get(0).get("function")).get("name"));
        assertTrue(p.usesTools());
        // a tools column stored as a JSON string (as some Parquet datasets hold it) reads the same
        assertEquals(p.tools(), d.get(1).tools());
        assertNull(Datasets.load(write(dir.resolve("plain.jsonl"), "{\"prompt\": \"q\", \"chosen\": \"a\", \"rejected\": \"b\"}")).get(0).tools());
    }

    @Test
    void malformedToolFieldsNameLineAndField() {
        String answer = "\"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]";
        Path f = write(dir.resolve("bad.jsonl"),
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\", \"tool_calls\": []}], " + answer + "}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\", "
                        + "\"tool_calls\": {\"name\": \"f\"}}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\", "
                        + "\"tool_calls\": [{\"type\": \"function\", \"function\": {\"arguments\": {}}}]}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}], " + answer + ", \"tools\": {\"name\": \"f\"}}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}], " + answer + ", \"tools\": [" + TOOL + ", \"get_time\"]}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"tool\", \"content\": \"1\", \"tool_call_id\": 7}], " + answer + "}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\", "
                        + "\"tool_calls\": [{\"function\": {\"name\": \"f\", \"arguments\": 3}}]}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}], " + answer + ", \"tools\": \"not json [\"}");
        Dataset<PreferencePair> d = Datasets.load(f);
        List<String> expected = List.of(
                ":1: field \"prompt[0].tool_calls\": tool calls are only allowed on assistant messages, found on a user message",
                ":2: field \"chosen[0].tool_calls\": expected a list of tool calls, found an object",
                ":3: field \"chosen[0].tool_calls[0].function.name\": a tool call needs the function's name (a string), found none",
                ":4: field \"tools\": expected a list of JSON schema objects, found an object",
                ":5: field \"tools[1]\": expected a JSON schema object, found a string",
                ":6: field \"prompt[1].tool_call_id\": expected a string, found a number",
                ":7: field \"chosen[0].tool_calls[0].function.arguments\": expected an object or a JSON string, found a number",
                ":8: field \"tools\": expected a list of JSON schema objects (or a JSON string of one), found a string that is not JSON");
        for (int i = 0; i < expected.size(); i++) {
            int line = i;
            assertEquals(f + expected.get(i), assertThrows(DatasetException.class, () -> d.get(line)).getMessage());
        }
    }

    @Test
    void parquetRowsCarryTheSameToolFields() throws Exception {
        // nested structs as Hugging Face datasets writes them: every message has every field, NULL where unused
        String none = "NULL::STRUCT(type VARCHAR, function STRUCT(name VARCHAR, arguments STRUCT(city VARCHAR)))[]";
        String prompt = "[{'role': 'user', 'content': 'Weather in Paris?', 'tool_calls': " + none + ", 'name': NULL::VARCHAR, 'tool_call_id': NULL::VARCHAR},"
                + " {'role': 'assistant', 'content': NULL::VARCHAR, 'tool_calls': [{'type': 'function', 'function': {'name': 'get_weather',"
                + " 'arguments': {'city': 'Paris'}}}], 'name': NULL::VARCHAR, 'tool_call_id': NULL::VARCHAR},"
                + " {'role': 'tool', 'content': '21', 'tool_calls': " + none + ", 'name': 'get_weather', 'tool_call_id': 'call_1'}]";
        String tools = "[{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object'}}}]";
        Path file = dir.resolve("tools.parquet");
        try (Connection c = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", new java.util.Properties());
             Statement st = c.createStatement()) {
            st.execute("COPY (SELECT " + prompt + " AS prompt, [{'role': 'assistant', 'content': '21 °C.'}] AS chosen,"
                    + " [{'role': 'assistant', 'content': 'Rainy.'}] AS rejected, " + tools + " AS tools) TO '" + file + "' (FORMAT parquet)");
        }
        PreferencePair p = Datasets.load(file).get(0);
        // the same pair the JSONL form gives
        Path jsonl = write(dir.resolve("same.jsonl"), "{\"prompt\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, "
                + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"type\": \"function\", \"function\": "
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]}, "
                + "{\"role\": \"tool\", \"name\": \"get_weather\", \"tool_call_id\": \"call_1\", \"content\": \"21\"}], "
                + "\"chosen\": [{\"role\": \"assistant\", \"content\": \"21 °C.\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"Rainy.\"}], "
                + "\"tools\": [" + TOOL + "]}");
        PreferencePair expected = Datasets.load(jsonl).get(0);
        assertEquals(expected.prompt(), p.prompt());
        assertEquals(expected.tools(), p.tools());
        assertEquals(expected.chosen(), p.chosen());
    }
}
