package mpo4j.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small helpers to write test fixtures. */
final class Files4Test {
    private Files4Test() {}

    static Path write(Path file, String... lines) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, String.join("\n", lines) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path png(Path file, int w, int h) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code action} logs (slf4j-simple writes warnings to the current {@code System.err}). */
    static String stderrOf(Runnable action) {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(saved);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static Path writeBytes(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code n} text-only MMPR lines with questions {@code prefix0..prefix(n-1)}. */
    static String[] textLines(String prefix, int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = "{\"question\": \"" + prefix + i + "\", \"chosen\": \"c" + i + "\", \"rejected\": \"r" + i + "\"}";
        }
        return out;
    }

    static List<String> questions(Dataset<PreferencePair> d) {
        return d.stream().map(PreferencePair::question).toList();
    }
}
