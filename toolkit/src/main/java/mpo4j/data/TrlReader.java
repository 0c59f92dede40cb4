package mpo4j.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads TRL preference JSONL, line by line in any of TRL's four shapes:
 * <ul>
 *   <li>standard, explicit prompt: {@code {"prompt": str, "chosen": str, "rejected": str}}</li>
 *   <li>standard, implicit prompt: {@code {"chosen": str, "rejected": str}}: the prompt is their longest
 *       common prefix (TRL's {@code extract_prompt}: a space just before the split goes to the answers)</li>
 *   <li>conversational, explicit: {@code prompt}, {@code chosen}, {@code rejected} are lists of
 *       {@code {"role","content"}} messages</li>
 *   <li>conversational, implicit: {@code chosen}/{@code rejected} are whole conversations; the common
 *       leading messages are the prompt, and each side must then hold exactly one assistant message</li>
 * </ul>
 * Images come from {@code images} (list) or {@code image} (string), resolved against the file's folder.
 * Message content may be a string or TRL's list of parts ({@code {"type":"text","text":...}},
 * {@code {"type":"image"}}); an image part becomes an {@code <image>} placeholder (plus a newline when text
 * follows). A standard-format
 * prompt becomes one user message.
 *
 * <p>Tool calling (TRL's "Tool Calling with DPO"): conversational messages may carry {@code tool_calls}
 * (assistant turns only: a list of {@code {"type": "function", "function": {"name", "arguments"}}}; the
 * flat {@code {"name", "arguments"}} form is accepted too, as chat templates read both), a
 * {@code tool} role with {@code name} and {@code tool_call_id}, and the line a {@code tools} column: a
 * list of JSON schema objects (or a JSON string holding one, as some Parquet datasets store it). An
 * assistant turn that only calls tools may have null or no {@code content}; it reads as "". They reach
 * the chat template as transformers' {@code apply_chat_template} passes them.
 */
final class TrlReader {
    private TrlReader() {}

    static Function<JsonLine, PreferencePair> parser(Path root) {
        return line -> {
            String imageField = line.has("images") ? "images" : "image";
            return pair(line, ImagePaths.resolve(line.strings(imageField), root, line, imageField, true));
        };
    }

    /** A pair from a record's text fields, with images already read (files, or a Parquet row's embedded bytes). */
    static PreferencePair pair(JsonLine line, List<Path> images) {
        {
            JsonElement chosenJson = line.require("chosen");
            line.require("rejected");
            List<ChatMessage> prompt;
            String chosen;
            String rejected;
            List<Map<String, Object>> chosenCalls = List.of();
            List<Map<String, Object>> rejectedCalls = List.of();
            if (chosenJson.isJsonArray()) {
                List<ChatMessage> c = messages(line, "chosen");
                List<ChatMessage> r = messages(line, "rejected");
                if (line.has("prompt")) {
                    prompt = messages(line, "prompt");
                } else {
                    int shared = 0;
                    while (shared < Math.min(c.size(), r.size()) && c.get(shared).equals(r.get(shared))) shared++;
                    if (shared == 0) {
                        throw line.error("chosen", "implicit prompt: chosen and rejected share no leading message");
                    }
                    prompt = c.subList(0, shared);
                    c = c.subList(shared, c.size());
                    r = r.subList(shared, r.size());
                }
                ChatMessage chosenTurn = answer(line, "chosen", c);
                ChatMessage rejectedTurn = answer(line, "rejected", r);
                chosen = chosenTurn.content();
                rejected = rejectedTurn.content();
                chosenCalls = chosenTurn.toolCalls();
                rejectedCalls = rejectedTurn.toolCalls();
            } else {
                chosen = line.string("chosen");
                rejected = line.string("rejected");
                String promptText;
                if (line.has("prompt")) {
                    promptText = line.string("prompt");
                } else {
                    String[] parts = extractPrompt(chosen, rejected);
                    if (parts[0].isEmpty()) {
                        throw line.error("chosen", "implicit prompt: chosen and rejected share no common prefix");
                    }
                    promptText = parts[0];
                    chosen = parts[1];
                    rejected = parts[2];
                }
                prompt = List.of(ChatMessage.user(promptText));
            }
            if (prompt.isEmpty()) {
                throw line.error("prompt", "empty conversation");
            }
            prompt = placeImages(line, prompt, images.size());
            return new PreferencePair(prompt, chosen, rejected, images, line.source, ImageOptions.DEFAULT, tools(line),
                    chosenCalls, rejectedCalls);
        }
    }

    /**
     * TRL's {@code extract_prompt} for strings: prompt = longest common prefix, except that when the
     * first differing character follows a space, the space goes to the answers. Returns
     * {@code {prompt, chosen, rejected}}.
     */
    static String[] extractPrompt(String chosen, String rejected) {
        int n = Math.min(chosen.length(), rejected.length());
        int idx = 0;
        while (idx < n && chosen.charAt(idx) == rejected.charAt(idx)) idx++;
        if (idx > 0 && idx < n && chosen.charAt(idx - 1) == ' ') idx--;
        return new String[] {chosen.substring(0, idx), chosen.substring(idx), rejected.substring(idx)};
    }

    static List<ChatMessage> messages(JsonLine line, String field) {
        JsonArray array = line.array(field);
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String where = field + "[" + i + "]";
            JsonElement m = array.get(i);
            if (!m.isJsonObject()) {
                throw line.error(where, "expected a message {\"role\", \"content\"}, found " + JsonLine.kind(m));
            }
            JsonObject o = m.getAsJsonObject();
            JsonElement role = o.get("role");
            if (role == null || !role.isJsonPrimitive() || !role.getAsJsonPrimitive().isString()) {
                throw line.error(where + ".role", role == null ? "missing" : "expected a string, found " + JsonLine.kind(role));
            }
            String r = role.getAsString();
            List<Map<String, Object>> calls = toolCalls(line, where, r, o.get("tool_calls"));
            // an assistant turn that only calls tools may leave content out (OpenAI and TRL write null)
            JsonElement c = o.get("content");
            String content = !calls.isEmpty() && (c == null || c.isJsonNull()) ? "" : content(line, where + ".content", c);
            out.add(new ChatMessage(r, content, calls, optionalString(line, where + ".name", o.get("name")),
                    optionalString(line, where + ".tool_call_id", o.get("tool_call_id"))));
        }
        return out;
    }

    /** A message's {@code tool_calls}: assistant turns only, each naming its function. */
    private static List<Map<String, Object>> toolCalls(JsonLine line, String where, String role, JsonElement calls) {
        if (calls == null || calls.isJsonNull()) {
            return List.of();
        }
        String field = where + ".tool_calls";
        if (!role.equals("assistant")) {
            throw line.error(field, "tool calls are only allowed on assistant messages, found on a " + role + " message");
        }
        if (!calls.isJsonArray()) {
            throw line.error(field, "expected a list of tool calls, found " + JsonLine.kind(calls));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int k = 0; k < calls.getAsJsonArray().size(); k++) {
            JsonElement call = calls.getAsJsonArray().get(k);
            String at = field + "[" + k + "]";
            if (!call.isJsonObject()) {
                throw line.error(at, "expected a tool call {\"type\": \"function\", \"function\": {\"name\", \"arguments\"}}, found "
                        + JsonLine.kind(call));
            }
            JsonObject o = call.getAsJsonObject();
            JsonElement function = o.has("function") ? o.get("function") : call;
            String functionAt = o.has("function") ? at + ".function" : at;
            if (!function.isJsonObject()) {
                throw line.error(functionAt, "expected an object {\"name\", \"arguments\"}, found " + JsonLine.kind(function));
            }
            JsonElement name = function.getAsJsonObject().get("name");
            if (name == null || !name.isJsonPrimitive() || !name.getAsJsonPrimitive().isString()) {
                throw line.error(functionAt + ".name", "a tool call needs the function's name (a string), found "
                        + (name == null ? "none" : JsonLine.kind(name)));
            }
            JsonElement arguments = function.getAsJsonObject().get("arguments");
            if (arguments != null && !arguments.isJsonObject() && !arguments.isJsonNull()
                    && !(arguments.isJsonPrimitive() && arguments.getAsJsonPrimitive().isString())) {
                throw line.error(functionAt + ".arguments", "expected an object or a JSON string, found " + JsonLine.kind(arguments));
            }
            out.add(JsonValues.object(call));
        }
        return out;
    }

    private static String optionalString(JsonLine line, String where, JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw line.error(where, "expected a string, found " + JsonLine.kind(e));
        }
        return e.getAsString();
    }

    /** The {@code tools} column: a list of JSON schema objects (or a JSON string of one); null when absent. */
    static List<Map<String, Object>> tools(JsonLine line) {
        if (!line.has("tools")) {
            return null;
        }
        JsonElement tools = line.json.get("tools");
        if (tools.isJsonPrimitive() && tools.getAsJsonPrimitive().isString()) {
            try {
                tools = JsonParser.parseString(tools.getAsString());
            } catch (JsonParseException e) {
                throw line.error("tools", "expected a list of JSON schema objects (or a JSON string of one), found a string that is not JSON");
            }
        }
        if (!tools.isJsonArray()) {
            throw line.error("tools", "expected a list of JSON schema objects, found " + JsonLine.kind(tools));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int k = 0; k < tools.getAsJsonArray().size(); k++) {
            JsonElement schema = tools.getAsJsonArray().get(k);
            if (!schema.isJsonObject()) {
                throw line.error("tools[" + k + "]", "expected a JSON schema object, found " + JsonLine.kind(schema));
            }
            out.add(JsonValues.object(schema));
        }
        return out;
    }

    private static String content(JsonLine line, String where, JsonElement c) {
        if (c == null || c.isJsonNull()) {
            throw line.error(where, "missing");
        }
        if (c.isJsonPrimitive() && c.getAsJsonPrimitive().isString()) {
            return c.getAsString();
        }
        if (!c.isJsonArray()) {
            throw line.error(where, "expected a string or a list of parts, found " + JsonLine.kind(c));
        }
        StringBuilder sb = new StringBuilder();
        boolean afterImage = false;
        for (int k = 0; k < c.getAsJsonArray().size(); k++) {
            JsonElement part = c.getAsJsonArray().get(k);
            String at = where + "[" + k + "]";
            if (!part.isJsonObject() || !part.getAsJsonObject().has("type")) {
                throw line.error(at, "expected a part {\"type\": \"text\"|\"image\", ...}");
            }
            String type = part.getAsJsonObject().get("type").getAsString();
            if (type.equals("image")) {
                sb.append(ImagePaths.PLACEHOLDER);
                afterImage = true;
            } else if (type.equals("text")) {
                JsonElement text = part.getAsJsonObject().get("text");
                if (text == null || !text.isJsonPrimitive()) {
                    throw line.error(at + ".text", text == null ? "missing" : "expected a string, found " + JsonLine.kind(text));
                }
                String t = text.getAsString();
                // "<image>" then text reads as "<image>\ntext", unless the text already starts a new line
                if (afterImage && !t.startsWith("\n")) sb.append('\n');
                sb.append(t);
                afterImage = false;
            } else {
                throw line.error(at + ".type", "unknown part type \"" + type + "\" (expected text or image)");
            }
        }
        return sb.toString();
    }

    private static ChatMessage answer(JsonLine line, String field, List<ChatMessage> messages) {
        if (messages.size() != 1 || !messages.get(0).role().equals("assistant")) {
            throw line.error(field, "expected exactly one assistant message after the prompt, found "
                    + messages.size() + " message" + (messages.size() == 1 ? " with role " + messages.get(0).role() : "s"));
        }
        return messages.get(0);
    }

    /** Applies the placeholder rule to the prompt: one image and no placeholder → prepend to the first user turn. */
    private static List<ChatMessage> placeImages(JsonLine line, List<ChatMessage> prompt, int images) {
        int found = 0;
        int firstUser = -1;
        for (int i = 0; i < prompt.size(); i++) {
            found += ImagePaths.countPlaceholders(prompt.get(i).content());
            if (firstUser < 0 && prompt.get(i).role().equals("user")) firstUser = i;
        }
        if (images == 1 && found == 0 && firstUser >= 0) {
            List<ChatMessage> out = new ArrayList<>(prompt);
            ChatMessage m = prompt.get(firstUser);
            out.set(firstUser, m.withContent(ImagePaths.PLACEHOLDER + "\n" + m.content()));
            return out;
        }
        if (found != images) {
            throw line.error("prompt", "has " + found + " " + ImagePaths.PLACEHOLDER + " placeholder" + (found == 1 ? "" : "s")
                    + " but the line has " + images + " image" + (images == 1 ? "" : "s"));
        }
        return prompt;
    }
}
