package mpo4j.interop;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mpo4j.data.ChatMessage;
import mpo4j.data.EmbeddedImage;
import mpo4j.data.PreferencePair;

/**
 * Pairs in ms-swift's RLHF format: one JSONL line per pair,
 * {@code {"messages": [..., {"role": "assistant", "content": chosen}], "rejected_response": rejected,
 * "images": ["images/..."]}}, images written as files next to it (ms-swift reads image paths) and
 * {@code <image>} placeholders left in the text, as ms-swift expects them.
 */
final class SwiftData {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private SwiftData() {}

    /** Writes {@code folder/<split>.jsonl} and the split's images under {@code folder/images/<split>/}. */
    static void write(List<PreferencePair> pairs, Path folder, String split) throws IOException {
        Path images = folder.resolve("images").resolve(split);
        Files.createDirectories(images);
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < pairs.size(); r++) {
            PreferencePair p = pairs.get(r);
            JsonObject o = new JsonObject();
            JsonArray messages = new JsonArray();
            for (ChatMessage m : p.prompt()) messages.add(message(m.role(), m.content()));
            messages.add(message("assistant", p.chosen()));
            o.add("messages", messages);
            o.addProperty("rejected_response", p.rejected() == null ? "" : p.rejected());
            JsonArray files = new JsonArray();
            for (int k = 0; k < p.images().size(); k++) {
                Path image = p.images().get(k);
                String name = String.format("%06d-%d-%s", r, k, fileName(image));
                Files.write(images.resolve(name), image instanceof EmbeddedImage e ? e.bytes() : Files.readAllBytes(image));
                files.add("images/" + split + "/" + name);
            }
            if (!files.isEmpty()) o.add("images", files);
            text.append(GSON.toJson(o)).append('\n');
        }
        Files.writeString(folder.resolve(split + ".jsonl"), text, StandardCharsets.UTF_8);
    }

    private static JsonObject message(String role, String content) {
        JsonObject m = new JsonObject();
        m.addProperty("role", role);
        m.addProperty("content", content);
        return m;
    }

    /** A safe file name for an image: the last word of its name (an embedded image's stored path), or "image". */
    private static String fileName(Path image) {
        String n = image.getFileName() == null ? "image" : image.getFileName().toString();
        String last = n.substring(n.lastIndexOf(' ') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        return last.isEmpty() ? "image" : last;
    }
}
