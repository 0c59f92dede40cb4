package mpo4j.interop;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import mpo4j.data.ChatMessage;
import mpo4j.data.EmbeddedImage;
import mpo4j.data.PreferencePair;
import mpo4j.io.AtomicFiles;

/**
 * Writes preference pairs in TRL's conversational format with an explicit prompt. Parquet takes the
 * shape TRL's vision DPO examples use: {@code prompt}, {@code chosen}, {@code rejected} are lists of
 * {@code {role, content}} messages whose content is a list of parts ({@code {"type": "image"}},
 * {@code {"type": "text", "text": ...}}), and {@code images} is a list of {@code {bytes, path}} structs
 * (Parquet) as Hugging Face {@code datasets} writes them, so {@code load_dataset} on the folder gives
 * PIL images without any cast. Reading the result back with {@code Datasets.load} gives the same pairs.
 *
 * JSONL (text-only pairs) writes string contents and the tool calling fields; tool calling pairs are
 * written by {@link #jsonl} only.
 *
 * <p>One message content may not follow an {@code <image>} placeholder directly with text on the same
 * line: TRL's parts put text after an image on its own line (as {@code TrlReader} reads them), so
 * {@code "<image>What?"} is written as {@code "<image>\nWhat?"}.
 */
public final class TrlDataExport {
    private static final String PLACEHOLDER = "<image>";
    private static final String MESSAGES = "[{\"role\":\"VARCHAR\",\"content\":[{\"type\":\"VARCHAR\",\"text\":\"VARCHAR\"}]}]";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    /** For JSONL: a null inside a tool schema or call arguments is part of the value, so it is written. */
    private static final Gson JSONL = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private TrlDataExport() {}

    /**
     * Writes a Hugging Face dataset folder split: {@code folder/data/<split>-0000i-of-0000n.parquet},
     * {@code shards} files of consecutive pairs, images embedded.
     *
     * @return the files written, in order
     */
    public static List<Path> parquetSplit(List<PreferencePair> pairs, Path folder, String split, int shards) {
        if (shards < 1) throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        if (!split.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("split must be a plain name such as train or test, got \"" + split + "\"");
        }
        List<Path> out = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            int from = (int) ((long) pairs.size() * s / shards), to = (int) ((long) pairs.size() * (s + 1) / shards);
            Path file = folder.resolve("data").resolve(String.format("%s-%05d-of-%05d.parquet", split, s, shards));
            parquet(pairs.subList(from, to), file);
            out.add(file);
        }
        return out;
    }

    /**
     * Writes one Parquet file (snappy; DuckDB's row groups, which hold a multiple of 2048 rows where
     * {@code datasets} writes 100 rows per group for image data; both read the same), atomically: a
     * reader never sees half a file.
     */
    public static void parquet(List<PreferencePair> pairs, Path file) {
        pairs.forEach(TrlDataExport::requireNoTools);   // before any file is created
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".tmp-", ".parquet");
            try (Connection c = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", new java.util.Properties()); Statement st = c.createStatement()) {
                st.execute("CREATE TEMP TABLE rows (rid INTEGER, prompt VARCHAR, chosen VARCHAR, rejected VARCHAR)");
                st.execute("CREATE TEMP TABLE imgs (rid INTEGER, k INTEGER, bytes BLOB, path VARCHAR)");
                try (PreparedStatement rows = c.prepareStatement("INSERT INTO rows VALUES (?, ?, ?, ?)");
                     PreparedStatement imgs = c.prepareStatement("INSERT INTO imgs VALUES (?, ?, ?, ?)")) {
                    for (int r = 0; r < pairs.size(); r++) {
                        JsonObject row = conversational(pairs.get(r));
                        rows.setInt(1, r);
                        rows.setString(2, row.get("prompt").toString());
                        rows.setString(3, row.get("chosen").toString());
                        rows.setString(4, row.get("rejected").toString());
                        rows.addBatch();
                        List<Path> images = pairs.get(r).images();
                        for (int k = 0; k < images.size(); k++) {
                            imgs.setInt(1, r);
                            imgs.setInt(2, k);
                            imgs.setBytes(3, bytes(images.get(k)));
                            imgs.setString(4, images.get(k).getFileName().toString());
                            imgs.addBatch();
                        }
                    }
                    rows.executeBatch();
                    imgs.executeBatch();
                }
                st.execute("COPY (SELECT from_json(prompt, '" + MESSAGES + "') AS prompt, from_json(chosen, '" + MESSAGES + "') AS chosen,"
                        + " from_json(rejected, '" + MESSAGES + "') AS rejected,"
                        + " coalesce((SELECT list({'bytes': i.bytes, 'path': i.path} ORDER BY i.k) FROM imgs i WHERE i.rid = r.rid),"
                        + " []::STRUCT(bytes BLOB, path VARCHAR)[]) AS images FROM rows r ORDER BY r.rid)"
                        + " TO '" + tmp.toString().replace("'", "''") + "' (FORMAT parquet, COMPRESSION snappy)");
            } catch (SQLException e) {
                Files.deleteIfExists(tmp);
                throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Writes TRL JSONL (one conversational record per line) for text-only pairs; pairs with images need
     * {@link #parquet} (TRL's loader turns only embedded images into PIL images without a cast). Message
     * content is a plain string, as text chat templates read it (Qwen3's renders a list of parts as ''), and
     * tool calling is written as TRL's "Tool Calling with DPO" reads it: a {@code tools} column of JSON
     * schemas, {@code tool_calls} on assistant turns (answers included), {@code name} and
     * {@code tool_call_id} on {@code tool} turns. {@code Datasets.load} reads the file back into equal pairs.
     */
    public static void jsonl(List<PreferencePair> pairs, Path file) {
        StringBuilder text = new StringBuilder();
        for (PreferencePair p : pairs) {
            if (!p.images().isEmpty()) {
                throw new IllegalArgumentException("pair " + p.source() + " has images: export it as Parquet (images embedded), not JSONL");
            }
            text.append(JSONL.toJson(textRecord(p))).append('\n');
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** A text-only pair as TRL's conversational explicit-prompt record, string contents, tool calling fields included. */
    static JsonObject textRecord(PreferencePair p) {
        JsonObject o = new JsonObject();
        JsonArray prompt = new JsonArray();
        for (ChatMessage m : p.prompt()) prompt.add(textMessage(m));
        o.add("prompt", prompt);
        JsonArray chosen = new JsonArray();
        chosen.add(textMessage(p.chosenMessage()));
        o.add("chosen", chosen);
        JsonArray rejected = new JsonArray();
        rejected.add(textMessage(p.rejected() == null ? ChatMessage.assistant("") : p.rejectedMessage()));
        o.add("rejected", rejected);
        if (p.tools() != null) o.add("tools", JSONL.toJsonTree(p.tools()));
        return o;
    }

    /** {@code {role, content}} plus the turn's {@code tool_calls}, {@code name} and {@code tool_call_id} when set. */
    private static JsonObject textMessage(ChatMessage m) {
        JsonObject o = new JsonObject();
        o.addProperty("role", m.role());
        o.addProperty("content", m.content());
        if (m.hasToolCalls()) o.add("tool_calls", JSONL.toJsonTree(m.toolCalls()));
        if (m.name() != null) o.addProperty("name", m.name());
        if (m.toolCallId() != null) o.addProperty("tool_call_id", m.toolCallId());
        return o;
    }

    /** A pair as TRL's conversational explicit-prompt record (content as parts; images left out). */
    static JsonObject conversational(PreferencePair p) {
        JsonObject o = new JsonObject();
        JsonArray prompt = new JsonArray();
        for (ChatMessage m : p.prompt()) prompt.add(message(m.role(), m.content()));
        o.add("prompt", prompt);
        o.add("chosen", single(p.chosen()));
        o.add("rejected", single(p.rejected() == null ? "" : p.rejected()));
        return o;
    }

    private static JsonArray single(String answer) {
        JsonArray a = new JsonArray();
        a.add(message("assistant", answer));
        return a;
    }

    /** A message whose content is split into parts at each {@code <image>} placeholder. */
    private static JsonObject message(String role, String content) {
        JsonArray parts = new JsonArray();
        String[] pieces = content.split(java.util.regex.Pattern.quote(PLACEHOLDER), -1);
        for (int i = 0; i < pieces.length; i++) {
            String text = pieces[i];
            if (i > 0) {
                JsonObject image = new JsonObject();
                image.addProperty("type", "image");
                image.add("text", com.google.gson.JsonNull.INSTANCE);
                parts.add(image);
                // a reader puts a newline between an image and the text after it unless that text starts one
                if (text.startsWith("\n") && text.length() > 1 && text.charAt(1) != '\n') text = text.substring(1);
            }
            if (!text.isEmpty() || pieces.length == 1) {
                JsonObject part = new JsonObject();
                part.addProperty("type", "text");
                part.addProperty("text", text);
                parts.add(part);
            }
        }
        JsonObject m = new JsonObject();
        m.addProperty("role", role);
        m.add("content", parts);
        return m;
    }

    /**
     * Parquet columns have one type for all rows, which free-form tool schemas and call arguments do not
     * fit; rather than write a pair without its tool calling fields, the Parquet export refuses it.
     */
    private static void requireNoTools(PreferencePair p) {
        if (p.usesTools()) {
            throw new IllegalArgumentException("pair " + p.source() + " uses tool calling (tools, tool_calls or tool turns), which the "
                    + "Parquet export cannot type: export text-only tool pairs as JSONL (TrlBundle.dataFormat(JSONL))");
        }
    }

    private static byte[] bytes(Path image) throws IOException {
        return image instanceof EmbeddedImage e ? e.bytes() : Files.readAllBytes(image);
    }
}
