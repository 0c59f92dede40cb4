package mpo4j.data;

import java.awt.Dimension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An image held in memory (the {@code bytes} of a Hugging Face {@code {bytes, path}} image cell), standing
 * where a {@link PreferencePair} holds image files. It is a {@link Path} so that every user of
 * {@link PreferencePair#images()} (counting images, naming them, tiling them) keeps working unchanged; its
 * path operations act on its display name ({@code train-00000-of-00001.parquet/row/12/images/0}, or the
 * {@code path} the cell stored). It is not a file: the image readers ({@code vision.RgbImages}) ask for
 * {@link #bytes()}, and {@link java.nio.file.Files} methods on it fail. Nothing is written to disk.
 */
public final class EmbeddedImage implements Path {
    private final byte[] bytes;
    private final Path name;

    /**
     * @param bytes the encoded image (PNG, JPEG, ...), kept as given (not copied)
     * @param name  what the image is called in messages and listings
     */
    public EmbeddedImage(byte[] bytes, String name) {
        this.bytes = java.util.Objects.requireNonNull(bytes, "bytes");
        this.name = Path.of(name);
    }

    /** The encoded image bytes (the caller must not change them). */
    public byte[] bytes() {
        return bytes;
    }

    /** Encoded size in bytes. */
    public int byteCount() {
        return bytes.length;
    }

    /**
     * Width and height read from the image header only (no pixel decode).
     *
     * @throws IllegalArgumentException when the bytes are not an image ImageIO can read
     */
    public Dimension dimensions() {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException("not a decodable image (" + bytes.length + " bytes; unknown format)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new Dimension(reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException i) throw i;
            throw new IllegalArgumentException("cannot read the image header (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }

    // Path operations act on the display name, so listings and messages read like file names.

    @Override public FileSystem getFileSystem() { return name.getFileSystem(); }
    @Override public boolean isAbsolute() { return false; }
    @Override public Path getRoot() { return null; }
    @Override public Path getFileName() { return name.getFileName(); }
    @Override public Path getParent() { return name.getParent(); }
    @Override public int getNameCount() { return name.getNameCount(); }
    @Override public Path getName(int index) { return name.getName(index); }
    @Override public Path subpath(int beginIndex, int endIndex) { return name.subpath(beginIndex, endIndex); }
    @Override public boolean startsWith(Path other) { return name.startsWith(other); }
    @Override public boolean endsWith(Path other) { return name.endsWith(other); }
    @Override public Path normalize() { return this; }
    @Override public Path resolve(Path other) { return name.resolve(other); }
    @Override public Path relativize(Path other) { return name.relativize(other); }
    @Override public URI toUri() { return name.toUri(); }
    @Override public Path toAbsolutePath() { return this; }
    @Override public Path toRealPath(LinkOption... options) { return this; }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("an embedded image is not a file: " + name);
    }

    @Override
    public java.io.File toFile() {
        throw new UnsupportedOperationException("an embedded image is not a file: " + name + " (read bytes())");
    }

    @Override
    public int compareTo(Path other) {
        return name.compareTo(other instanceof EmbeddedImage e ? e.name : other);
    }

    /** Identity: two cells with equal bytes are still two images of the dataset. */
    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return name.toString();
    }
}
