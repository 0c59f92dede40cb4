package mpo4j.pairs;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mpo4j.data.EmbeddedImage;
import mpo4j.data.PreferencePair;
import mpo4j.io.AtomicFiles;

/**
 * Writes pairs in InternVL's MMPR layout, as {@code mpo4j.data} reads it back: {@code <name>.jsonl} with one
 * {@code {"image", "question", "chosen", "rejected"}} object per line, and a {@code <name>} entry
 * ({@code root} "." , {@code annotation}, {@code repeat_time} 1, {@code length}) added to the folder's
 * {@code meta.json} (created, or updated keeping its other entries). Image paths are written relative to the
 * folder, so the folder and the images can move together. Each file is replaced atomically.
 */
public final class MmprWriter {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private MmprWriter() {}

    /**
     * Writes {@code pairs} as sub-dataset {@code name} of the MMPR folder {@code dir}; returns the meta.json path.
     *
     * @throws IllegalArgumentException for a pair without rejected answer, an image held in memory (a Parquet
     *     dataset's), or a name that is not a plain file name
     */
    public static Path write(Path dir, String name, List<PreferencePair> pairs) throws IOException {
        if (name.isBlank() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("name must be a plain file name (it names " + name + ".jsonl), got \"" + name + "\"");
        }
        Files.createDirectories(dir);
        Path folder = dir.toAbsolutePath().normalize();
        StringBuilder lines = new StringBuilder();
        for (PreferencePair p : pairs) {
            if (p.rejected() == null) {
                throw new IllegalArgumentException(p.source() + ": a pair to write needs a rejected answer");
            }
            JsonObject o = new JsonObject();
            if (p.images().size() == 1) {
                o.addProperty("image", relative(folder, p.images().get(0), p));
            } else if (p.images().size() > 1) {
                JsonArray images = new JsonArray();
                for (Path image : p.images()) {
                    images.add(relative(folder, image, p));
                }
                o.add("image", images);
            }
            o.addProperty("question", p.question());
            o.addProperty("chosen", p.chosen());
            o.addProperty("rejected", p.rejected());
            lines.append(GSON.toJson(o)).append('\n');
        }
        AtomicFiles.writeString(dir.resolve(name + ".jsonl"), lines);

        Path meta = dir.resolve("meta.json");
        JsonObject all = new JsonObject();
        if (Files.isRegularFile(meta)) {
            JsonElement read = JsonParser.parseString(Files.readString(meta));
            if (!read.isJsonObject()) {
                throw new IOException(meta + ": not a JSON object; move it away to write a new meta.json");
            }
            all = read.getAsJsonObject();
        }
        JsonObject entry = new JsonObject();
        entry.addProperty("root", ".");
        entry.addProperty("annotation", name + ".jsonl");
        entry.addProperty("repeat_time", 1.0);
        entry.addProperty("length", pairs.size());
        all.add(name, entry);
        AtomicFiles.writeString(meta, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(all) + "\n");
        return meta;
    }

    private static String relative(Path folder, Path image, PreferencePair p) {
        if (image instanceof EmbeddedImage) {
            throw new IllegalArgumentException(p.source() + ": its image is held in memory (a Parquet dataset's) and has no file to refer to");
        }
        return folder.relativize(image.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }
}
