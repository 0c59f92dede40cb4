package mpo4j.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mpo4j.data.PreferencePair;
import mpo4j.data.RewardPair;
import mpo4j.data.Source;
import mpo4j.vision.ImageTiles;
import mpo4j.vision.RgbImages;
import mpo4j.vision.TileGrid;
import mpo4j.vision.Tiling;

/**
 * A pair as a card: where it came from, each image next to the tiles a vision model sees (each tile
 * framed and numbered, the thumbnail marked "thumb"), the question, and the answers coloured by what
 * they are (chosen green, rejected red; for a reward pair the better response green, the worse red, a
 * tie grey). The rich display of {@link PreferencePair} and {@link RewardPair}; JShell prints the pair.
 */
public final class PairCard implements Renderable {
    /** Colours of the answers: chosen / better, rejected / worse, tie. */
    public static final Color CHOSEN = new Color(0x2ca02c);
    public static final Color REJECTED = new Color(0xd62728);
    public static final Color TIE = new Color(0x7f7f7f);
    /** Side of one tile on the card, whatever the tile size the model uses. */
    static final int TILE_PX = 96;
    static final int GAP = 6;
    private static final int LABEL_HEIGHT = 16;

    /** One answer on the card. */
    record Answer(String label, String text, Color colour) {}

    private final String text;
    private final Source source;
    private final List<Path> images;
    private final Tiling tiling;
    private final String question;
    private final List<Answer> answers;

    private PairCard(String text, Source source, List<Path> images, Tiling tiling, String question, List<Answer> answers) {
        this.text = text;
        this.source = source;
        this.images = images;
        this.tiling = tiling;
        this.question = question;
        this.answers = answers;
    }

    /** The card of a preference pair, tiled as InternVL does by default ({@link Tiling#defaults()}). */
    public static PairCard of(PreferencePair pair) {
        return of(pair, Tiling.defaults());
    }

    /** The card of a preference pair with the tiling a model uses (the pair's own tile limit applies). */
    public static PairCard of(PreferencePair pair, Tiling tiling) {
        return new PairCard(pair.toString(), pair.source(), pair.images(),
                tiling.forPair(pair.imageOptions().maxDynamicPatch(), pair.images().size()), pair.question(),
                List.of(new Answer("chosen", pair.chosen(), CHOSEN), new Answer("rejected", pair.rejected(), REJECTED)));
    }

    /** The card of a reward pair: the label of {@code head} decides the colours (A: response0 better, B: response1, C: tie). */
    public static PairCard of(RewardPair pair, String head, Tiling tiling) {
        String label = pair.labels().getOrDefault(head, RewardPair.NO_LABEL);
        Color c0 = label.equals("A") ? CHOSEN : label.equals("B") ? REJECTED : TIE;
        Color c1 = label.equals("B") ? CHOSEN : label.equals("A") ? REJECTED : TIE;
        String verdict = label.isEmpty() ? "" : " (" + head + "=" + label + ")";
        return new PairCard(pair.toString(), pair.source(), pair.images(), tiling.perImage(pair.images().size()), pair.question(),
                List.of(new Answer("response0" + verdict, pair.response0(), c0), new Answer("response1", pair.response1(), c1)));
    }

    /** The card of a reward pair, coloured by its first head's label. */
    public static PairCard of(RewardPair pair) {
        String head = pair.labels().isEmpty() ? "" : pair.labels().keySet().iterator().next();
        return of(pair, head, Tiling.defaults());
    }

    @Override
    public String toText() {
        return text;
    }

    @Override
    public String toHtml() {
        StringBuilder h = new StringBuilder("<div class=\"mpo4j-pair\" style=\"border:1px solid #ccc;border-radius:4px;padding:8px;max-width:760px\">");
        h.append("<div style=\"color:#666;font-size:90%\">").append(Render.escape(String.valueOf(source)));
        if (!images.isEmpty()) {
            h.append(" &middot; ").append(images.size()).append(images.size() == 1 ? " image" : " images");
        }
        h.append("</div>");
        BufferedImage picture = toImage();
        if (picture != null) {
            h.append("<div style=\"margin:6px 0\">").append(Render.imgTag(picture)).append("</div>");
        }
        h.append("<div style=\"margin:4px 0;white-space:pre-wrap;text-align:left\"><b>question</b> ")
                .append(Render.escape(question)).append("</div>");
        for (Answer a : answers) {
            String hex = hex(a.colour());
            h.append("<div style=\"margin:4px 0;padding:4px 8px;border-left:4px solid #").append(hex)
                    .append(";background:#").append(hex).append("1a;white-space:pre-wrap;text-align:left\">")
                    .append("<b style=\"color:#").append(hex).append("\">").append(Render.escape(a.label())).append("</b> ")
                    .append(Render.escape(a.text())).append("</div>");
        }
        return h.append("</div>").toString();
    }

    /** Each image, then its tiles framed and numbered, one image per row; null for a text-only pair. */
    @Override
    public BufferedImage toImage() {
        if (images.isEmpty()) {
            return null;
        }
        List<BufferedImage> rows = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            BufferedImage image = RgbImages.read(images.get(i), source);
            rows.add(row(i + 1, image, tiling.tile(image)));
        }
        return Render.stack(rows, false);
    }

    /** One image (scaled to the tile block's height) and its tiles: grid as cut, thumbnail last. */
    static BufferedImage row(int number, BufferedImage image, ImageTiles tiles) {
        TileGrid grid = tiles.grid();
        int block = grid.rows() * TILE_PX + (grid.rows() - 1) * GAP;
        int imageWidth = Math.max(1, (int) Math.round((double) image.getWidth() * block / image.getHeight()));
        int tilesWidth = grid.cols() * (TILE_PX + GAP) + (grid.thumbnail() ? 2 * GAP + TILE_PX : 0);
        int width = Math.max(GAP + imageWidth + 3 * GAP + tilesWidth, GAP + imageWidth + 3 * GAP + 150);   // room for the caption
        int height = LABEL_HEIGHT + block + GAP;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.setColor(Color.DARK_GRAY);
            g.drawString("image " + number + " (" + image.getWidth() + "\u00d7" + image.getHeight() + ")", GAP, 12);
            g.drawImage(image, GAP, LABEL_HEIGHT, imageWidth, block, null);
            int x0 = GAP + imageWidth + 3 * GAP;
            g.drawString("tiles " + grid, x0, 12);
            BufferedImage drawn = tiles.toImage();
            int t = 0;
            for (int r = 0; r < grid.rows(); r++) {
                for (int c = 0; c < grid.cols(); c++, t++) {
                    tile(g, tileOf(drawn, tiles, c, r), String.valueOf(t + 1), x0 + c * (TILE_PX + GAP), LABEL_HEIGHT + r * (TILE_PX + GAP));
                }
            }
            if (grid.thumbnail()) {
                int s = tiles.tileSize();
                tile(g, drawn.getSubimage(drawn.getWidth() - s, 0, s, s), "thumb",
                        x0 + grid.cols() * (TILE_PX + GAP) + GAP, LABEL_HEIGHT);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Tile (c, r) of {@link ImageTiles#toImage()}, which lays the grid out with 2 px gaps. */
    private static BufferedImage tileOf(BufferedImage drawn, ImageTiles tiles, int c, int r) {
        int s = tiles.tileSize();
        return drawn.getSubimage(c * (s + 2), r * (s + 2), s, s);
    }

    private static void tile(Graphics2D g, BufferedImage tile, String label, int x, int y) {
        g.drawImage(tile, x, y, TILE_PX, TILE_PX, null);
        g.setColor(new Color(0x333333));
        g.setStroke(new BasicStroke(2f));
        g.drawRect(x, y, TILE_PX - 1, TILE_PX - 1);
        int w = g.getFontMetrics().stringWidth(label) + 6;
        g.setColor(new Color(0, 0, 0, 170));
        g.fillRect(x + 1, y + 1, w, 14);
        g.setColor(Color.WHITE);
        g.drawString(label, x + 4, y + 12);
    }

    private static String hex(Color c) {
        return String.format("%06x", c.getRGB() & 0xffffff);
    }

    @Override
    public String toString() {
        return toText();
    }
}
