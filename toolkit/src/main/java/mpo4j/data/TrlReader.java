package mpo4j.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
                chosen = answer(line, "chosen", c);
                rejected = answer(line, "rejected", r);
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
            return new PreferencePair(prompt, chosen, rejected, images, line.source, ImageOptions.DEFAULT);
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
            out.add(new ChatMessage(role.getAsString(), content(line, where + ".content", o.get("content"))));
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

    private static String answer(JsonLine line, String field, List<ChatMessage> messages) {
        if (messages.size() != 1 || !messages.get(0).role().equals("assistant")) {
            throw line.error(field, "expected exactly one assistant message after the prompt, found "
                    + messages.size() + " message" + (messages.size() == 1 ? " with role " + messages.get(0).role() : "s"));
        }
        return messages.get(0).content();
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
            out.set(firstUser, new ChatMessage(m.role(), ImagePaths.PLACEHOLDER + "\n" + m.content()));
            return out;
        }
        if (found != images) {
            throw line.error("prompt", "has " + found + " " + ImagePaths.PLACEHOLDER + " placeholder" + (found == 1 ? "" : "s")
                    + " but the line has " + images + " image" + (images == 1 ? "" : "s"));
        }
        return prompt;
    }
}
