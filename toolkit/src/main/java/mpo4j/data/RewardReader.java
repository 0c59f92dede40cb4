package mpo4j.data;

import com.google.gson.JsonElement;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads pairwise reward-model JSONL: {@code {"image"|"images": ..., "question": str, "response0": str,
 * "response1": str, "labels": {head: "A"|"B"|"C"}}}. {@code A} = response0 preferred, {@code B} =
 * response1 preferred, {@code C} = tie; {@code null} = no label for this head. Images resolve against the file's folder and follow the same
 * placeholder rule as MMPR questions.
 */
final class RewardReader {
    private RewardReader() {}

    static Function<JsonLine, RewardPair> parser(Path root) {
        return line -> {
            String imageField = line.has("images") ? "images" : "image";
            List<Path> images = ImagePaths.resolve(line.strings(imageField), root, line, imageField, true);
            String question = ImagePaths.withPlaceholders(line.string("question"), images.size(), line, "question");
            String r0 = line.string("response0");
            String r1 = line.string("response1");
            JsonElement labelsJson = line.require("labels");
            if (!labelsJson.isJsonObject() || labelsJson.getAsJsonObject().isEmpty()) {
                throw line.error("labels", "expected an object {head: \"A\"|\"B\"|\"C\"} with at least one head, found " + JsonLine.kind(labelsJson));
            }
            Map<String, String> labels = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : labelsJson.getAsJsonObject().entrySet()) {
                JsonElement v = e.getValue();
                if (v.isJsonNull()) {
                    labels.put(e.getKey(), RewardPair.NO_LABEL); // this head has no label for the pair
                    continue;
                }
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                    throw line.error("labels." + e.getKey(), "expected \"A\", \"B\", \"C\" or null, found " + JsonLine.kind(v));
                }
                labels.put(e.getKey(), v.getAsString());
            }
            return new RewardPair(List.of(ChatMessage.user(question)), r0, r1, images, labels, line.source);
        };
    }
}
