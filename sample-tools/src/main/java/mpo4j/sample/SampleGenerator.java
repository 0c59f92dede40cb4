package mpo4j.sample;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import mpo4j.sample.ShapeScene.Hue;
import mpo4j.sample.ShapeScene.Item;
import mpo4j.sample.ShapeScene.Kind;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes {@code datasets-sample/}: a synthetic visual-QA preference dataset of rendered shapes in the
 * MMPR layout (train + held-out eval), the same pairs as TRL JSONL (standard/conversational,
 * explicit/implicit prompt), and pairwise reward-model data. Everything follows from one fixed seed,
 * so a re-run rewrites identical bytes. Run with {@code ./mpo4j generate-sample}.
 *
 * <p>Answers are one short word or number ({@code red}, {@code 3}, {@code left}, {@code first},
 * {@code orange}); the rejected answer is a plausible wrong answer of the same kind.
 */
public final class SampleGenerator {
    static final long SEED = 20_261_122L;
    private static final Gson LINE = new GsonBuilder().disableHtmlEscaping().create();
    private static final Gson PRETTY = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    /** One generated question: image names (relative to {@code shapes/images}), question, both answers. */
    record QA(List<String> images, String question, String chosen, String rejected) {}

    private final Path out;
    private final Path imageDir;
    private final Random random;

    SampleGenerator(Path out, long seed) {
        this.out = out;
        this.imageDir = out.resolve("shapes/images");
        this.random = new Random(seed);
    }

    /** Writes the sample into the folder {@code args[0]} (created if missing; existing files are replaced). */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: SampleGenerator <output folder>");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        new SampleGenerator(out, SEED).generate();
        System.out.println("mpo4j: wrote sample data to " + out.toAbsolutePath().normalize());
    }

    void generate() throws IOException {
        Files.createDirectories(imageDir);
        Files.createDirectories(out.resolve("shapes/annotations"));
        // train split. The questions need colour, position and counting, which a vision tower trained from
        // scratch picks up in a few hundred steps; telling circles from triangles takes it far longer.
        List<QA> color = colorQuestions("color", 300);
        List<CountImage> countImages = countImages("count", 200);
        List<QA> count = countQuestions(countImages);
        List<QA> position = positionQuestions("position", 250);
        List<QA> compare = compareQuestions(countImages, 100);
        List<QA> text = textQuestions(120);
        Map<String, Sub> train = new LinkedHashMap<>();
        train.put("shapes_color", new Sub("color.jsonl", color, 1.0, null, null));
        train.put("shapes_count", new Sub("count.jsonl", count, 2.0, null, false));
        train.put("shapes_position", new Sub("position.jsonl", position, 1.0, 4, null));
        train.put("shapes_compare", new Sub("compare.jsonl", compare, 1.0, 6, null));
        train.put("text_only", new Sub("text.jsonl", text, 0.5, null, null));
        writeMeta("meta.json", train);
        // held-out eval split: different images
        List<QA> evalColor = colorQuestions("eval_color", 40);
        List<CountImage> evalCountImages = countImages("eval_count", 40);
        Map<String, Sub> eval = new LinkedHashMap<>();
        eval.put("shapes_color", new Sub("eval_color.jsonl", evalColor, 1.0, null, null));
        eval.put("shapes_count", new Sub("eval_count.jsonl", countQuestions(evalCountImages), 1.0, null, null));
        eval.put("shapes_position", new Sub("eval_position.jsonl", positionQuestions("eval_position", 30), 1.0, 4, null));
        eval.put("shapes_compare", new Sub("eval_compare.jsonl", compareQuestions(evalCountImages, 20), 1.0, 6, null));
        eval.put("text_only", new Sub("eval_text.jsonl", textQuestions(20), 1.0, null, null));
        writeMeta("meta_eval.json", eval);
        // TRL files: a mix of every kind of question, same pairs in all four shapes
        List<QA> trl = new ArrayList<>();
        trl.addAll(trlFriendly(color, 60));
        trl.addAll(trlFriendly(count, 40));
        trl.addAll(trlFriendly(position, 40));
        trl.addAll(trlFriendly(compare, 10));
        trl.addAll(trlFriendly(text, 10));
        writeTrl(trl);
        ParquetSample.write(out);
        // reward-model pairs
        List<QA> rewardTrain = new ArrayList<>();
        rewardTrain.addAll(color.subList(0, 150));
        rewardTrain.addAll(count.subList(0, 90));
        rewardTrain.addAll(position.subList(0, 60));
        List<QA> rewardEval = new ArrayList<>();
        rewardEval.addAll(evalColor.subList(0, 30));
        rewardEval.addAll(eval.get("shapes_position").lines().subList(0, 20));
        rewardEval.addAll(eval.get("shapes_count").lines().subList(0, 20));
        Files.createDirectories(out.resolve("reward"));
        writeReward("train.jsonl", rewardTrain);
        writeReward("eval.jsonl", rewardEval);
        // online-training split, drawn last so that every file above stays as it was: new images whose
        // questions have checkable answers and that no SFT or MPO run sees. Online methods learn from the
        // model's own answers to them; re-asking the SFT questions would only repeat labels it was trained on.
        List<CountImage> rlCountImages = countImages("rl_count", 80);
        Map<String, Sub> rl = new LinkedHashMap<>();
        rl.put("shapes_color", new Sub("rl_color.jsonl", colorQuestions("rl_color", 120), 1.0, null, null));
        rl.put("shapes_count", new Sub("rl_count.jsonl", countQuestions(rlCountImages), 1.0, null, null));
        rl.put("shapes_position", new Sub("rl_position.jsonl", positionQuestions("rl_position", 100), 1.0, 4, null));
        rl.put("shapes_compare", new Sub("rl_compare.jsonl", compareQuestions(rlCountImages, 40), 1.0, 6, null));
        writeMeta("meta_rl.json", rl);
    }

    // ------------------------------------------------------------------ questions

    /**
     * One or two shapes side by side in distinct colours: "What color is the shape?" or "What color is
     * the shape on the left?". With two shapes the wrong answer is the other shape's colour.
     */
    private List<QA> colorQuestions(String prefix, int images) throws IOException {
        List<QA> out = new ArrayList<>();
        for (int i = 1; i <= images; i++) {
            int n = 1 + random.nextInt(2);
            ShapeScene s = sidedScene(n);
            String image = save(prefix, i, s);
            Item a = s.items().get(random.nextInt(n));
            String question = n == 1 ? "What color is the shape?"
                    : "What color is the shape on the " + (s.isLeft(a) ? "left" : "right") + "?";
            out.add(new QA(List.of(image), question, a.hue().word(), wrongHue(a.hue(), s).word()));
        }
        return out;
    }

    record CountImage(String name, ShapeScene scene) {}

    /** Scenes of 1–4 shapes (kinds and colours may repeat); one in five is tall or wide. */
    private List<CountImage> countImages(String prefix, int images) throws IOException {
        List<CountImage> out = new ArrayList<>();
        for (int i = 1; i <= images; i++) {
            int n = 1 + random.nextInt(4);
            List<Kind> kinds = new ArrayList<>();
            List<Hue> hues = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                kinds.add(Kind.values()[random.nextInt(Kind.values().length)]);
                hues.add(Hue.values()[random.nextInt(Hue.values().length)]);
            }
            ShapeScene s = scene(kinds, hues, random.nextInt(5) == 0);
            out.add(new CountImage(save(prefix, i, s), s));
        }
        return out;
    }

    /** "How many shapes are there?"; the wrong answer is one more or one fewer. */
    private List<QA> countQuestions(List<CountImage> images) {
        List<QA> out = new ArrayList<>();
        for (CountImage ci : images) {
            int answer = ci.scene().items().size();
            int wrong = answer == 1 ? 2 : answer + (random.nextBoolean() ? 1 : -1);
            out.add(new QA(List.of(ci.name()), "How many shapes are there?", Integer.toString(answer), Integer.toString(wrong)));
        }
        return out;
    }

    /** Two shapes side by side (or one alone on a side): "Is the red shape on the left or the right?". */
    private List<QA> positionQuestions(String prefix, int images) throws IOException {
        List<QA> out = new ArrayList<>();
        for (int i = 1; i <= images; i++) {
            int n = 1 + random.nextInt(2);
            ShapeScene s = sidedScene(n);
            String image = save(prefix, i, s);
            Item a = s.items().get(random.nextInt(n));
            String side = s.isLeft(a) ? "left" : "right";
            out.add(new QA(List.of(image), "Is the " + a.hue().word() + " shape on the left or the right?", side,
                    side.equals("left") ? "right" : "left"));
        }
        return out;
    }

    /** {@code n} (1 or 2) shapes of distinct kinds and colours in a two-column scene. */
    private ShapeScene sidedScene(int n) {
        ShapeScene s;
        do {
            s = scene(pickDistinct(Kind.values(), n), pickDistinct(Hue.values(), n), false);
        } while (!s.hasSides());
        return s;
    }

    /** Two images with different shape counts: "Which image has more shapes, the first or the second?". */
    private List<QA> compareQuestions(List<CountImage> images, int lines) {
        List<QA> out = new ArrayList<>();
        while (out.size() < lines) {
            CountImage a = images.get(random.nextInt(images.size()));
            CountImage b = images.get(random.nextInt(images.size()));
            int na = a.scene().items().size(), nb = b.scene().items().size();
            if (na == nb) continue;
            String answer = na > nb ? "first" : "second";
            out.add(new QA(List.of(a.name(), b.name()),
                    "Image-1: <image>\nImage-2: <image>\nWhich image has more shapes, the first or the second?",
                    answer, answer.equals("first") ? "second" : "first"));
        }
        return out;
    }

    private static final String[][] MIXES = {
        {"red", "yellow", "orange"}, {"blue", "yellow", "green"}, {"red", "blue", "purple"},
        {"red", "white", "pink"}, {"black", "white", "gray"}};

    /** Text-only pairs: colour mixing (ten questions a small model can learn by heart). */
    private List<QA> textQuestions(int lines) {
        List<QA> out = new ArrayList<>();
        for (int i = 0; i < lines; i++) {
            String[] m = MIXES[random.nextInt(MIXES.length)];
            String wrong;
            do {
                wrong = MIXES[random.nextInt(MIXES.length)][2];
            } while (wrong.equals(m[2]));
            boolean swap = random.nextBoolean();
            out.add(new QA(List.of(), "What color do you get by mixing " + (swap ? m[1] : m[0]) + " and " + (swap ? m[0] : m[1]) + "?",
                    m[2], wrong));
        }
        return out;
    }

    // ------------------------------------------------------------------ scenes and images

    private ShapeScene scene(List<Kind> kinds, List<Hue> hues, boolean elongated) {
        int[] size = elongated ? (random.nextBoolean() ? ShapeScene.TALL : ShapeScene.WIDE) : ShapeScene.SIZES[random.nextInt(ShapeScene.SIZES.length)];
        return ShapeScene.layout(size[0], size[1], kinds, hues, random);
    }

    private <E> List<E> pickDistinct(E[] values, int n) {
        List<E> all = new ArrayList<>(Arrays.asList(values));
        java.util.Collections.shuffle(all, random);
        return List.copyOf(all.subList(0, n));
    }

    /** A wrong colour, preferably one that is in the picture (the plausible confusion). */
    private Hue wrongHue(Hue right, ShapeScene s) {
        List<Hue> inPicture = s.items().stream().map(Item::hue).filter(h -> h != right).distinct().toList();
        if (!inPicture.isEmpty()) return inPicture.get(random.nextInt(inPicture.size()));
        List<Hue> others = Arrays.stream(Hue.values()).filter(h -> h != right).toList();
        return others.get(random.nextInt(others.size()));
    }

    private String save(String prefix, int i, ShapeScene s) throws IOException {
        String name = String.format("%s_%04d.png", prefix, i);
        BufferedImage img = s.render();
        Path target = imageDir.resolve(name);
        Path tmp = Files.createTempFile(imageDir, ".tmp-", ".png");
        try {
            if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return name;
    }

    // ------------------------------------------------------------------ writers

    /** One meta.json entry and its lines. */
    record Sub(String annotation, List<QA> lines, double repeatTime, Integer maxDynamicPatch, Boolean dataAugment) {}

    private void writeMeta(String metaName, Map<String, Sub> subs) throws IOException {
        JsonObject meta = new JsonObject();
        for (Map.Entry<String, Sub> e : subs.entrySet()) {
            Sub sub = e.getValue();
            List<String> lines = new ArrayList<>();
            for (QA qa : sub.lines()) {
                JsonObject o = new JsonObject();
                if (qa.images().size() == 1) o.addProperty("image", qa.images().get(0));
                else if (qa.images().size() > 1) o.add("image", strings(qa.images()));
                o.addProperty("question", qa.question());
                o.addProperty("chosen", qa.chosen());
                o.addProperty("rejected", qa.rejected());
                lines.add(LINE.toJson(o));
            }
            writeLines(out.resolve("shapes/annotations/" + sub.annotation()), lines);
            JsonObject entry = new JsonObject();
            entry.addProperty("root", "images");
            entry.addProperty("annotation", "annotations/" + sub.annotation());
            entry.addProperty("repeat_time", sub.repeatTime());
            if (sub.maxDynamicPatch() != null) entry.addProperty("max_dynamic_patch", sub.maxDynamicPatch());
            if (sub.dataAugment() != null) entry.addProperty("data_augment", sub.dataAugment());
            entry.addProperty("length", sub.lines().size());
            meta.add(e.getKey(), entry);
        }
        write(out.resolve("shapes/" + metaName), PRETTY.toJson(meta) + "\n");
    }

    /**
     * TRL's implicit-prompt extraction takes the longest common prefix, so answers sharing a first
     * letter (e.g. 12 vs 13) would lose it to the prompt; the TRL files keep only pairs whose answers
     * differ from their first character.
     */
    private static List<QA> trlFriendly(List<QA> lines, int n) {
        return lines.stream().filter(qa -> qa.chosen().charAt(0) != qa.rejected().charAt(0)).limit(n).toList();
    }

    private void writeTrl(List<QA> pairs) throws IOException {
        List<String> stdExplicit = new ArrayList<>(), stdImplicit = new ArrayList<>();
        List<String> convExplicit = new ArrayList<>(), convImplicit = new ArrayList<>();
        for (QA qa : pairs) {
            JsonArray images = strings(qa.images().stream().map(n -> "../shapes/images/" + n).toList());
            // standard: a single image's placeholder is implied (mpo4j prepends "<image>\n")
            JsonObject se = new JsonObject();
            se.add("images", images);
            se.addProperty("prompt", qa.question());
            se.addProperty("chosen", qa.chosen());
            se.addProperty("rejected", qa.rejected());
            stdExplicit.add(LINE.toJson(se));
            JsonObject si = new JsonObject();
            si.add("images", images);
            si.addProperty("chosen", qa.question() + " " + qa.chosen());
            si.addProperty("rejected", qa.question() + " " + qa.rejected());
            stdImplicit.add(LINE.toJson(si));
            JsonObject user = message("user", userContent(qa));
            JsonObject ce = new JsonObject();
            ce.add("images", images);
            ce.add("prompt", array(user));
            ce.add("chosen", array(message("assistant", textContent(qa.chosen()))));
            ce.add("rejected", array(message("assistant", textContent(qa.rejected()))));
            convExplicit.add(LINE.toJson(ce));
            JsonObject ci = new JsonObject();
            ci.add("images", images);
            ci.add("chosen", array(user, message("assistant", textContent(qa.chosen()))));
            ci.add("rejected", array(user, message("assistant", textContent(qa.rejected()))));
            convImplicit.add(LINE.toJson(ci));
        }
        Path trl = out.resolve("trl");
        Files.createDirectories(trl);
        writeLines(trl.resolve("standard_explicit.jsonl"), stdExplicit);
        writeLines(trl.resolve("standard_implicit.jsonl"), stdImplicit);
        writeLines(trl.resolve("conversational_explicit.jsonl"), convExplicit);
        writeLines(trl.resolve("conversational_implicit.jsonl"), convImplicit);
    }

    /** TRL's vision message content: one {"type":"image"} part per image, then the text (placeholders removed). */
    private static com.google.gson.JsonElement userContent(QA qa) {
        if (qa.images().isEmpty()) return new com.google.gson.JsonPrimitive(qa.question());
        JsonArray parts = new JsonArray();
        if (qa.images().size() == 1) {
            JsonObject img = new JsonObject();
            img.addProperty("type", "image");
            parts.add(img);
            parts.add(text(qa.question()));
        } else {
            // keep the labelled layout: "Image-1: " <image> "\nImage-2: " <image> "\n..."
            String[] pieces = qa.question().split("<image>", -1);
            for (int k = 0; k < pieces.length; k++) {
                if (!pieces[k].isEmpty()) parts.add(text(pieces[k]));
                if (k < pieces.length - 1) {
                    JsonObject img = new JsonObject();
                    img.addProperty("type", "image");
                    parts.add(img);
                }
            }
        }
        return parts;
    }

    private static com.google.gson.JsonElement textContent(String s) {
        JsonArray parts = new JsonArray();
        parts.add(text(s));
        return parts;
    }

    private static JsonObject text(String s) {
        JsonObject t = new JsonObject();
        t.addProperty("type", "text");
        t.addProperty("text", s);
        return t;
    }

    private static JsonObject message(String role, com.google.gson.JsonElement content) {
        JsonObject m = new JsonObject();
        m.addProperty("role", role);
        m.add("content", content);
        return m;
    }

    private static JsonArray array(JsonObject... items) {
        JsonArray a = new JsonArray();
        for (JsonObject o : items) a.add(o);
        return a;
    }

    private static JsonArray strings(List<String> items) {
        JsonArray a = new JsonArray();
        items.forEach(a::add);
        return a;
    }

    /**
     * Reward pairs: 40% A (response0 correct), 40% B (response1 correct), 20% C ties — two different
     * wrong answers when the question has them, else the correct answer in two phrasings.
     */
    private void writeReward(String name, List<QA> source) throws IOException {
        List<String> lines = new ArrayList<>();
        for (QA qa : source) {
            int roll = random.nextInt(5);
            String r0, r1, label;
            if (roll < 2) { r0 = qa.chosen(); r1 = qa.rejected(); label = "A"; }
            else if (roll < 4) { r0 = qa.rejected(); r1 = qa.chosen(); label = "B"; }
            else {
                String other = otherWrong(qa);
                if (other != null) { r0 = qa.rejected(); r1 = other; }
                else { r0 = qa.chosen(); r1 = Character.toUpperCase(qa.chosen().charAt(0)) + qa.chosen().substring(1) + "."; }
                label = "C";
            }
            JsonObject o = new JsonObject();
            if (qa.images().size() == 1) o.addProperty("image", "../shapes/images/" + qa.images().get(0));
            else if (qa.images().size() > 1) o.add("images", strings(qa.images().stream().map(n -> "../shapes/images/" + n).toList()));
            o.addProperty("question", qa.question());
            o.addProperty("response0", r0);
            o.addProperty("response1", r1);
            JsonObject labels = new JsonObject();
            labels.addProperty("preference", label);
            o.add("labels", labels);
            lines.add(LINE.toJson(o));
        }
        writeLines(out.resolve("reward/" + name), lines);
    }

    /** A second wrong answer of the same kind, different from the rejected one, or null. */
    private String otherWrong(QA qa) {
        List<String> pool = new ArrayList<>();
        for (Hue h : Hue.values()) pool.add(h.word());
        if (!pool.contains(qa.chosen())) {
            if (!qa.chosen().chars().allMatch(Character::isDigit)) return null;
            int right = Integer.parseInt(qa.chosen());
            int wrong = Integer.parseInt(qa.rejected());
            int other = 2 * right - wrong; // the other side of the correct count
            return other >= 0 ? Integer.toString(other) : Integer.toString(Math.max(right, wrong) + 1);
        }
        pool.remove(qa.chosen());
        pool.remove(qa.rejected());
        return pool.get(random.nextInt(pool.size()));
    }

    private static void writeLines(Path file, List<String> lines) throws IOException {
        write(file, String.join("\n", lines) + "\n");
    }

    /** Temp file then rename: a crash never leaves a half-written file. */
    private static void write(Path file, String content) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), ".tmp-", ".part");
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                os.write(content.getBytes(StandardCharsets.UTF_8));
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
