package mpo4j.vision;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import mpo4j.data.Source;

/** Reading images as RGB, and InternVL's {@code data_augment} JPEG re-encode. */
public final class RgbImages {
    private RgbImages() {}

    /**
     * Reads an image as 8-bit RGB (alpha dropped, like Pillow's {@code convert("RGB")}).
     *
     * @throws IllegalArgumentException naming the file and {@code source} when it is missing or not a readable image
     */
    public static BufferedImage read(Path file, Source source) {
        if (file instanceof mpo4j.data.EmbeddedImage embedded) {
            return decode(embedded, source);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("image not found: " + file + " (from " + source + ")");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot decode image " + file + " (from " + source + "): " + e.getMessage(), e);
        }
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
            throw new IllegalArgumentException("not a readable image: " + file + " (from " + source + ")");
        }
        return toRgb(img);
    }

    /**
     * Width and height of an image file from its header only (no pixel decode): enough to know its
     * tile grid, and so its token count, before any image is loaded.
     *
     * @throws IllegalArgumentException naming the file and {@code source} when it is missing or not an image
     */
    public static java.awt.Dimension size(Path file, Source source) {
        if (file instanceof mpo4j.data.EmbeddedImage embedded) {
            try {
                return embedded.dimensions();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("image " + embedded + " (from " + source + "): " + e.getMessage(), e);
            }
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("image not found: " + file + " (from " + source + ")");
        }
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            java.util.Iterator<javax.imageio.ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException("not a readable image: " + file + " (from " + source + ")");
            }
            javax.imageio.ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new java.awt.Dimension(reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the header of image " + file + " (from " + source + "): " + e.getMessage(), e);
        }
    }

    /** Decodes an image held in memory (a Parquet cell), as {@link #read} decodes a file. */
    private static BufferedImage decode(mpo4j.data.EmbeddedImage image, Source source) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(image.bytes()));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot decode image " + image + " (from " + source + "): " + e.getMessage(), e);
        }
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
            throw new IllegalArgumentException("not a readable image: " + image + " (from " + source + ")");
        }
        return toRgb(img);
    }

    /** A {@code TYPE_INT_RGB} copy (or the image itself when it already is one). */
    public static BufferedImage toRgb(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_INT_RGB) {
            return img;
        }
        int w = img.getWidth(), h = img.getHeight();
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int bands = img.getRaster().getNumBands();
        if (bands <= 2 && img.getSampleModel().getSampleSize(0) == 8) {
            // grey (+alpha): replicate the stored value like Pillow; java.awt would apply a linear-grey colour conversion
            int[] grey = img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
            int[] packed = new int[grey.length];
            for (int i = 0; i < grey.length; i++) packed[i] = grey[i] * 0x010101;
            rgb.setRGB(0, 0, w, h, packed, 0, w);
        } else if (img.getColorModel().hasAlpha()) {
            // drop alpha without compositing (Pillow's convert("RGB")); drawImage would blend with black
            rgb.setRGB(0, 0, w, h, img.getRGB(0, 0, w, h, null, 0, w), 0, w);
        } else {
            java.awt.Graphics2D g = rgb.createGraphics();
            g.drawImage(img, 0, 0, null);
            g.dispose();
        }
        return rgb;
    }

    /** The pixels as packed {@code 0xRRGGBB}, row-major. */
    static int[] pixels(BufferedImage img) {
        BufferedImage rgb = toRgb(img);
        int w = rgb.getWidth(), h = rgb.getHeight();
        int[] out = (int[]) rgb.getRaster().getDataElements(0, 0, w, h, null);
        for (int i = 0; i < out.length; i++) out[i] &= 0xFFFFFF;
        return out;
    }

    /**
     * {@code data_augment}: re-encodes the image as JPEG with a quality drawn uniformly from 75..100
     * by {@code random}, and decodes it again.
     */
    public static BufferedImage jpegDegrade(BufferedImage img, Random random) {
        return jpeg(img, 75 + random.nextInt(26));
    }

    /** JPEG round trip at {@code quality} (1..100, libjpeg scale). */
    public static BufferedImage jpeg(BufferedImage img, int quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
             MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.setOutput(out);
            writer.write(null, new IIOImage(toRgb(img), null, null), param);
            out.flush();
            return toRgb(ImageIO.read(new ByteArrayInputStream(bytes.toByteArray())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }
}
