package mpo4j.data;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation, as transformers' chat templates read it: {@code role} is
 * {@code system}, {@code user}, {@code assistant} or {@code tool}.
 *
 * @param toolCalls  an assistant's tool calls ({@code tool_calls}: {@code {"type": "function",
 *                   "function": {"name", "arguments"}}} maps, as JSON-like values); empty when none
 * @param name       a {@code tool} message's tool name ({@code name}), or {@code null}
 * @param toolCallId the call a {@code tool} message answers ({@code tool_call_id}), or {@code null}
 */
public record ChatMessage(String role, String content, List<Map<String, Object>> toolCalls, String name, String toolCallId) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A plain role/content turn. */
    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null, null);
    }

    public static ChatMessage system(String content) { return new ChatMessage("system", content); }

    public static ChatMessage user(String content) { return new ChatMessage("user", content); }

    public static ChatMessage assistant(String content) { return new ChatMessage("assistant", content); }

    /** An assistant turn that calls tools ({@code content} may be empty). */
    public static ChatMessage assistant(String content, List<Map<String, Object>> toolCalls) {
        return new ChatMessage("assistant", content, toolCalls, null, null);
    }

    /** A tool's result: {@code name} and {@code toolCallId} may be null. */
    public static ChatMessage tool(String content, String name, String toolCallId) {
        return new ChatMessage("tool", content, List.of(), name, toolCallId);
    }

    /** This turn with other content (tool fields kept). */
    public ChatMessage withContent(String text) {
        return new ChatMessage(role, text, toolCalls, name, toolCallId);
    }

    /** Whether this turn calls tools. */
    public boolean hasToolCalls() { return !toolCalls.isEmpty(); }
}
