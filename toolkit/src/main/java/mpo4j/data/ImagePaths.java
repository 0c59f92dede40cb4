package mpo4j.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Image path resolution, placeholder rules and the cheap "is this an image" check shared by the readers. */
final class ImagePaths {
    static final String PLACEHOLDER = "<image>";
    private static final Pattern PLACEHOLDER_PATTERN = Pattern.compile(Pattern.quote(PLACEHOLDER));

    private ImagePaths() {}

    /** Resolves each name against {@code root} (absolute names stay as they are) and checks the files. */
    static List<Path> resolve(List<String> names, Path root, JsonLine line, String field, boolean check) {
        List<Path> out = new ArrayList<>(names.size());
        for (String name : names) {
            Path p = Path.of(name);
            Path resolved = p.isAbsolute() ? p : root.resolve(p).normalize();
            if (check) {
                checkReadable(resolved, line, field);
            }
            out.add(resolved);
        }
        return out;
    }

    /**
     * The file exists and its header decodes as an image (width/height readable). A full decode is the
     * vision package's job; this catches missing files, wrong paths and non-image files early, naming
     * the line.
     */
    /** An image file on disk, or bytes held in memory (a Parquet dataset's {@link EmbeddedImage}). */
    private static boolean exists(Path file) {
        return file instanceof EmbeddedImage || Files.isRegularFile(file);
    }

    private static ImageInputStream open(Path file) throws java.io.IOException {
        return file instanceof EmbeddedImage e
                ? ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(e.bytes()))
                : ImageIO.createImageInputStream(file.toFile());
    }

    static void checkReadable(Path file, JsonLine line, String field) {
        if (!exists(file)) {
            throw line.error(field, "image file not found: " + file);
        }
        try (ImageInputStream in = open(file)) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw line.error(field, "not a decodable image: " + file);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                if (reader.getWidth(0) <= 0 || reader.getHeight(0) <= 0) {
                    throw line.error(field, "image has no pixels: " + file);
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new DatasetException(line.source, field, "not a decodable image: " + file + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Decodes {@code file} completely, as training will: a truncated or corrupt image (which passes
     * {@link #checkReadable}'s header check) fails here, and so does one the decoder only warns about
     * (a JPEG cut short decodes with grey at the bottom and a "premature end" warning).
     *
     * @throws DatasetException naming {@code source}, the field and the file
     */
    static void decodeFully(Path file, Source source, String field) {
        if (!exists(file)) {
            throw new DatasetException(source, field, "image file not found: " + file);
        }
        try (ImageInputStream in = open(file)) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DatasetException(source, field, "not a decodable image: " + file);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
                reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new DatasetException(source, field, "image decodes only partly: " + file + " (" + warnings.get(0) + ")");
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) throw d;
            throw new DatasetException(source, field, "image does not decode completely: " + file + " (" + e.getMessage() + ")", e);
        }
    }

    static int countPlaceholders(String text) {
        Matcher m = PLACEHOLDER_PATTERN.matcher(text);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    /**
     * InternVL's rule: one image and no placeholder → prepend {@code "<image>\n"}; otherwise the text must
     * hold exactly one placeholder per image (zero for text-only lines).
     */
    static String withPlaceholders(String question, int images, JsonLine line, String field) {
        int found = countPlaceholders(question);
        if (images == 1 && found == 0) {
            return PLACEHOLDER + "\n" + question;
        }
        if (found != images) {
            throw line.error(field, "has " + found + " " + PLACEHOLDER + " placeholder" + (found == 1 ? "" : "s")
                    + " but the line has " + images + " image" + (images == 1 ? "" : "s"));
        }
        return question;
    }
}
