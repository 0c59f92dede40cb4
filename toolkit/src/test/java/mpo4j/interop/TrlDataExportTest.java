package mpo4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.text.ToolFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TRL JSONL export of tool-calling pairs: TRL's conversational format, read back into equal pairs. */
class TrlDataExportTest {
    /**
     * A system turn; a call whose arguments hold an integer, a float, a null and a list; a tool turn with name and
     * id; the rejected answer's call in the flat {name, arguments} form with string arguments; tools as a JSON string
     * (as some Parquet datasets store it).
     */
    private static final String RICH = "{\"prompt\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, "
            + "{\"role\": \"user\", \"content\": \"Forecast for Paris?\"}, "
            + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"call_7\", \"type\": \"function\", \"function\": "
            + "{\"name\": \"forecast\", \"arguments\": {\"city\": \"Paris\", \"days\": 3, \"scale\": 1.5, \"unit\": null, \"hours\": [6, 18]}}}]}, "
            + "{\"role\": \"tool\", \"name\": \"forecast\", \"tool_call_id\": \"call_7\", \"content\": \"[21, 19, 18]\"}], "
            + "\"chosen\": [{\"role\": \"assistant\", \"content\": \"21, 19 and 18 °C.\"}], "
            + "\"rejected\": [{\"role\": \"assistant\", \"tool_calls\": [{\"name\": \"forecast\", \"arguments\": \"{\\\"city\\\": \\\"Rome\\\"}\"}]}], "
            + "\"tools\": \"[{\\\"type\\\": \\\"function\\\", \\\"function\\\": {\\\"name\\\": \\\"forecast\\\", \\\"parameters\\\": "
            + "{\\\"type\\\": \\\"object\\\", \\\"required\\\": [\\\"city\\\"]}}}]\"}";

    /** Everything but the source (file and line differ between the two files). */
    private static void assertSamePair(PreferencePair expected, PreferencePair actual) {
        assertEquals(expected.prompt(), actual.prompt());
        assertEquals(expected.chosen(), actual.chosen());
        assertEquals(expected.rejected(), actual.rejected());
        assertEquals(expected.images(), actual.images());
        assertEquals(expected.imageOptions(), actual.imageOptions());
        assertEquals(expected.tools(), actual.tools());
        assertEquals(expected.chosenToolCalls(), actual.chosenToolCalls());
        assertEquals(expected.rejectedToolCalls(), actual.rejectedToolCalls());
    }

    @Test
    void toolPairsRoundTripThroughJsonl(@TempDir Path dir) throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        List<PreferencePair> pairs = ToolFixtures.pairs(in, ToolFixtures.line("Paris", "Sunny, 21 C.", "Rome"), RICH,
                "{\"prompt\": \"2+2?\", \"chosen\": \"4\", \"rejected\": \"5\"}");
        Path out = dir.resolve("out/train.jsonl");
        TrlDataExport.jsonl(pairs, out);
        List<PreferencePair> back = Datasets.load(out).toList();
        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) assertSamePair(pairs.get(i), back.get(i));

        List<String> lines = Files.readAllLines(out);
        // TRL's conversational tool format, written by hand from the input line: string contents, the rejected
        // answer's tool_calls, the tools column as a list of schemas
        assertEquals("{\"prompt\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"Sunny, 21 C.\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Rome\"}}}]}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}]}", lines.get(0));
        // the null argument is kept; the string tools column is written as the list it holds; a tool-less pair has no tools key
        assertEquals(true, lines.get(1).contains("\"arguments\":{\"city\":\"Paris\",\"days\":3,\"scale\":1.5,\"unit\":null,\"hours\":[6,18]}"));
        assertEquals(true, lines.get(1).contains("\"name\":\"forecast\",\"tool_call_id\":\"call_7\""));
        assertEquals(true, lines.get(1).contains("\"tools\":[{\"type\":\"function\""));
        assertEquals("{\"prompt\":[{\"role\":\"user\",\"content\":\"2+2?\"}],\"chosen\":[{\"role\":\"assistant\",\"content\":\"4\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"5\"}]}", lines.get(2));
    }

    @Test
    void parquetRefusesToolPairsRatherThanDropTheirFields(@TempDir Path dir) throws IOException {
        List<PreferencePair> pairs = ToolFixtures.pairs(dir, ToolFixtures.line("Paris", "Sunny.", "Rome"));
        var e = assertThrows(IllegalArgumentException.class, () -> TrlDataExport.parquet(pairs, dir.resolve("train.parquet")));
        assertEquals("pair " + pairs.get(0).source() + " uses tool calling (tools, tool_calls or tool turns), which the Parquet export "
                + "cannot type: export text-only tool pairs as JSONL (TrlBundle.dataFormat(JSONL))", e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("tools.jsonl")), files.toList(), "no Parquet file, not even a temporary one");
        }
    }
}
