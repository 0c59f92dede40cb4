package mpo4j.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mpo4j.data.ChatMessage;
import mpo4j.data.JsonValues;
import mpo4j.data.PreferencePair;

/**
 * What transformers' {@code apply_chat_template} receives, as an immutable value: the
 * {@code messages} (dicts with {@code role}, {@code content} and, for tool calling,
 * {@code tool_calls} or a {@code tool} role), the {@code tools} JSON schemas, {@code documents},
 * {@code add_generation_prompt} (false by default, as in transformers) and any extra template
 * variable such as {@code enable_thinking}. Values are JSON-like: strings, numbers, booleans, null,
 * lists and string-keyed maps, kept in insertion order (a schema prints its keys in the order given).
 *
 * @param tools     the tool schemas, or {@code null} when none are passed (the template sees None)
 * @param documents the documents for retrieval templates, or {@code null}
 * @param variables extra keyword arguments, passed to the template as variables
 */
public record ChatInput(
        List<Map<String, Object>> messages,
        List<Map<String, Object>> tools,
        List<Map<String, Object>> documents,
        boolean addGenerationPrompt,
        Map<String, Object> variables) {

    /** Names apply_chat_template sets itself; an extra variable may not take them. */
    private static final Set<String> RESERVED = Set.of("messages", "tools", "documents", "add_generation_prompt");

    public ChatInput {
        messages = copyList(messages, "messages");
        for (int i = 0; i < messages.size(); i++) {
            if (!(messages.get(i).get("role") instanceof String)) {
                throw new IllegalArgumentException("messages[" + i + "] has no string \"role\": " + messages.get(i));
            }
        }
        tools = tools == null ? null : copyList(tools, "tools");
        documents = documents == null ? null : copyList(documents, "documents");
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = (Map<String, Object>) copy(variables == null ? Map.of() : variables, "variables");
        for (String name : vars.keySet()) {
            if (RESERVED.contains(name)) {
                throw new IllegalArgumentException("variables: " + name + " is set by its own method, not as an extra variable");
            }
        }
        variables = vars;
    }

    /** A conversation of turns, each with its tool fields when it has them ({@link #message(ChatMessage)}). */
    public static ChatInput of(List<ChatMessage> messages) {
        List<Map<String, Object>> maps = new ArrayList<>();
        for (ChatMessage m : messages) maps.add(message(m));
        return new ChatInput(maps, null, null, false, Map.of());
    }

    /**
     * A preference pair's prompt as TRL's {@code DPOTrainer} hands it to {@code apply_chat_template}:
     * its turns (tool calls and {@code tool} turns included) and, when the example has a {@code tools}
     * column, {@code tools=} those schemas. Its answers are {@code message(pair.chosenMessage())} and
     * {@code message(pair.rejectedMessage())}.
     */
    public static ChatInput prompt(PreferencePair pair) {
        ChatInput input = of(pair.prompt());
        return pair.tools() == null ? input : input.tools(pair.tools());
    }

    /**
     * The dict transformers takes for one turn: {@code role} and {@code content}, plus {@code tool_calls}
     * when the turn calls tools and {@code name} / {@code tool_call_id} when set (a {@code tool} turn).
     */
    public static Map<String, Object> message(ChatMessage m) {
        Map<String, Object> out = message(m.role(), m.content());
        if (m.hasToolCalls()) out.put("tool_calls", m.toolCalls());
        if (m.name() != null) out.put("name", m.name());
        if (m.toolCallId() != null) out.put("tool_call_id", m.toolCallId());
        return out;
    }

    /** A conversation given as message dicts, the form transformers takes (tool calls included). */
    public static ChatInput ofMessages(List<? extends Map<String, ?>> messages) {
        return new ChatInput(copyList(messages, "messages"), null, null, false, Map.of());
    }

    /** A conversation given as a JSON array of messages, e.g. one line of a TRL conversational dataset. */
    public static ChatInput fromJson(String messagesJson) {
        return ofMessages(jsonList(messagesJson, "messages"));
    }

    /** {@code {"role": role, "content": content}}. */
    public static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /** The tool schemas the template lists (transformers' {@code tools}). */
    public ChatInput tools(List<? extends Map<String, ?>> schemas) {
        return new ChatInput(messages, copyList(schemas, "tools"), documents, addGenerationPrompt, variables);
    }

    /** The tool schemas as a JSON array. */
    public ChatInput toolsJson(String schemasJson) {
        return tools(jsonList(schemasJson, "tools"));
    }

    public ChatInput documents(List<? extends Map<String, ?>> docs) {
        return new ChatInput(messages, tools, copyList(docs, "documents"), addGenerationPrompt, variables);
    }

    /** Whether the rendered text ends with the assistant header, where an answer starts. */
    public ChatInput addGenerationPrompt(boolean add) {
        return new ChatInput(messages, tools, documents, add, variables);
    }

    /** An extra template variable (transformers' {@code **kwargs}), e.g. {@code variable("enable_thinking", false)}. */
    public ChatInput variable(String name, Object value) {
        Map<String, Object> vars = new LinkedHashMap<>(variables);
        vars.put(name, value);
        return new ChatInput(messages, tools, documents, addGenerationPrompt, vars);
    }

    /** Qwen3's {@code enable_thinking} switch. */
    public ChatInput enableThinking(boolean enable) {
        return variable("enable_thinking", enable);
    }

    /** This conversation with one more message at the end. */
    public ChatInput append(Map<String, ?> message) {
        List<Map<String, Object>> more = new ArrayList<>(messages);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) copy(message, "messages[" + messages.size() + "]");
        more.add(m);
        return new ChatInput(more, tools, documents, addGenerationPrompt, variables);
    }

    /** The variables the template sees, as transformers builds them: special tokens, then extras, then the four fixed ones. */
    Map<String, Object> templateVariables(Map<String, Object> specialTokens) {
        Map<String, Object> out = new LinkedHashMap<>(specialTokens);
        out.putAll(variables);
        out.put("messages", messages);
        out.put("tools", tools);
        out.put("documents", documents);
        out.put("add_generation_prompt", addGenerationPrompt);
        return out;
    }

    // ------------------------------------------------------------------ JSON-like values

    private static List<Map<String, Object>> jsonList(String json, String what) {
        try {
            Object value = fromJson(JsonParser.parseString(json));
            if (!(value instanceof List<?> list) || list.stream().anyMatch(x -> !(x instanceof Map))) {
                throw new IllegalArgumentException(what + " must be a JSON array of objects: " + abbreviate(json));
            }
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> out = (List<Map<String, Object>>) value;
            return out;
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(what + " is not valid JSON (" + e.getMessage() + "): " + abbreviate(json), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** JSON to Java as Python's json.loads does: integers stay integers, {@code 1.0} stays a float. */
    static Object fromJson(JsonElement e) {
        return JsonValues.toJava(e);
    }

    private static List<Map<String, Object>> copyList(List<? extends Map<String, ?>> list, String path) {
        if (list == null) {
            throw new IllegalArgumentException(path + " must not be null");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object m = copy(list.get(i), path + "[" + i + "]");
            if (!(m instanceof Map)) {
                throw new IllegalArgumentException(path + "[" + i + "] must be a map, got " + m);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            out.add(map);
        }
        return Collections.unmodifiableList(out);
    }

    /** A deep, unmodifiable copy that keeps key order; anything not JSON-like is an error naming its path. */
    private static Object copy(Object x, String path) {
        if (x == null || x instanceof String || x instanceof Boolean || x instanceof Long || x instanceof Double || x instanceof BigInteger) return x;
        if (x instanceof Integer || x instanceof Short || x instanceof Byte) return ((Number) x).longValue();
        if (x instanceof Float f) return f.doubleValue();
        if (x instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new IllegalArgumentException(path + ": keys must be strings, got " + e.getKey());
                }
                out.put(k, copy(e.getValue(), path + "." + k));
            }
            return Collections.unmodifiableMap(out);
        }
        if (x instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) out.add(copy(l.get(i), path + "[" + i + "]"));
            return Collections.unmodifiableList(out);
        }
        throw new IllegalArgumentException(path + ": a " + x.getClass().getSimpleName()
                + " is not a JSON-like value (use strings, numbers, booleans, null, lists and maps)");
    }
}
