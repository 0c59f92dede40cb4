package mpo4j.notebook;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import java.util.List;
import mpo4j.plot.NiceTicks;
import mpo4j.text.Labels;
import mpo4j.text.Tokenizer;

/**
 * A {@link PreferenceBatch} as a notebook shows it: its shapes, a <b>token map</b> (one strip per row,
 * labelled "pair i chosen" / "pair i rejected", chosen rows above rejected rows, each position coloured
 * by what it is: prompt text, image tokens, trained answer tokens, padding (hatched grey), with a
 * position axis underneath; in HTML each position names its token id, kind and, given a tokenizer,
 * the decoded token when the mouse rests on it) and a table of each pair's lengths, trained tokens
 * and tiles. The notebook extension uses it for every returned batch; in JShell it prints
 * {@link PreferenceBatch#summary()}.
 */
public final class BatchView implements Renderable {
    /** Colours of the token map: prompt text, image tokens, trained (label != -100), padding. */
    public static final Color PROMPT = new Color(0x9db4c8);
    public static final Color IMAGE = new Color(0xf0a030);
    public static final Color TRAINED = new Color(0x2ca02c);
    public static final Color PADDING = new Color(0xd0d0d0);
    private static final Color HATCH = new Color(0xa8a8a8);
    static final int ROW_HEIGHT = 10;
    static final int ROW_GAP = 2;
    static final int BLOCK_GAP = 8;
    static final int LEFT = 118;
    static final int AXIS = 28;
    private static final int MAX_WIDTH = 720;

    private final PreferenceBatch batch;
    private final Tokenizer tokenizer;

    private BatchView(PreferenceBatch batch, Tokenizer tokenizer) {
        this.batch = batch;
        this.tokenizer = tokenizer;
    }

    /** The view of a batch; hovering a position shows its token id and kind. */
    public static BatchView of(PreferenceBatch batch) {
        return new BatchView(batch, null);
    }

    /** The view of a batch whose positions also show their decoded token on hover. */
    public static BatchView of(PreferenceBatch batch, Tokenizer tokenizer) {
        return new BatchView(batch, tokenizer);
    }

    @Override
    public String toText() {
        return batch.summary();
    }

    /** Pixels per position: as many as fit in {@value #MAX_WIDTH} px, 1 to 6. */
    int cell() {
        int length = Math.max(batch.chosen().length(), batch.rejected().length());
        return Math.max(1, Math.min(6, MAX_WIDTH / Math.max(1, length)));
    }

    /** Top pixel of row {@code r} (0-based) of the chosen ({@code rejected} false) or rejected block. */
    int rowTop(int r, boolean rejected) {
        return (rejected ? batch.pairs() * (ROW_HEIGHT + ROW_GAP) + BLOCK_GAP : 0) + r * (ROW_HEIGHT + ROW_GAP);
    }

    /** The token map: labelled chosen rows, a gap, labelled rejected rows, and a position axis. */
    @Override
    public BufferedImage toImage() {
        int length = Math.max(batch.chosen().length(), batch.rejected().length());
        int cell = cell();
        int mapHeight = rowTop(batch.pairs(), true);
        int width = LEFT + Math.max(1, length * cell) + 16;
        BufferedImage image = new BufferedImage(width, mapHeight + AXIS, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 10));
            long context = batch.imageContextId();
            drawRows(g, batch.chosen(), false, cell, length, context);
            drawRows(g, batch.rejected(), true, cell, length, context);
            drawAxis(g, mapHeight, cell, length);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void drawRows(Graphics2D g, SequenceBatch rows, boolean rejected, int cell, int length, long context) {
        for (int r = 0; r < rows.rows(); r++) {
            int y = rowTop(r, rejected);
            g.setColor(Color.DARK_GRAY);
            g.drawString(label(r, rejected), 2, y + ROW_HEIGHT - 1);
            for (int t = 0; t < length; t++) {
                Color c = colour(rows, r, t, context);
                g.setColor(c);
                g.fillRect(LEFT + t * cell, y, cell, ROW_HEIGHT);
                if (c == PADDING && (t % 2 == 0)) {   // hatch padding so it never reads as background
                    g.setColor(HATCH);
                    g.drawLine(LEFT + t * cell, y + ROW_HEIGHT - 1, LEFT + t * cell + cell - 1, y);
                }
            }
        }
    }

    /** "pair 3 chosen" / "pair 3 rejected". */
    static String label(int pair, boolean rejected) {
        return "pair " + pair + (rejected ? " rejected" : " chosen");
    }

    private static void drawAxis(Graphics2D g, int top, int cell, int length) {
        g.setColor(Color.DARK_GRAY);
        int y = top + 2;
        g.drawLine(LEFT, y, LEFT + length * cell, y);
        List<Double> ticks = NiceTicks.ticks(0, Math.max(1, length), Math.max(2, length * cell / 60));
        for (double v : ticks) {
            if (v > length) {
                continue;
            }
            int x = LEFT + (int) Math.round(v * cell);
            g.drawLine(x, y, x, y + 4);
            String s = NiceTicks.label(v);
            g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, y + 15);
        }
        g.drawString("position", 2, y + 15);
    }

    /** What position {@code t} of row {@code r} is, as a colour. */
    static Color colour(SequenceBatch rows, int r, int t, long context) {
        if (t >= rows.lengths()[r]) return PADDING;
        if (rows.label(r, t) != Labels.IGNORE) return TRAINED;
        return context >= 0 && rows.inputId(r, t) == context ? IMAGE : PROMPT;
    }

    /** What {@link #colour} means, in words. */
    static String kind(Color c) {
        return c == PADDING ? "padding" : c == TRAINED ? "trained" : c == IMAGE ? "image" : "prompt";
    }

    /** An HTML image map: one area per position, titled "pair 0 chosen · pos 12 · id 151644 · prompt · 'token'". */
    String imageMap(String name) {
        int length = Math.max(batch.chosen().length(), batch.rejected().length());
        int cell = cell();
        long context = batch.imageContextId();
        StringBuilder m = new StringBuilder("<map name=\"").append(name).append("\">");
        for (boolean rejected : new boolean[] {false, true}) {
            SequenceBatch rows = rejected ? batch.rejected() : batch.chosen();
            for (int r = 0; r < rows.rows(); r++) {
                int y = rowTop(r, rejected);
                for (int t = 0; t < rows.length() && t < length; t++) {
                    Color c = colour(rows, r, t, context);
                    m.append("<area shape=\"rect\" coords=\"").append(LEFT + t * cell).append(',').append(y).append(',')
                            .append(LEFT + (t + 1) * cell).append(',').append(y + ROW_HEIGHT).append("\" title=\"")
                            .append(Render.escape(label(r, rejected) + " \u00b7 pos " + t + " \u00b7 id " + rows.inputId(r, t)
                                    + " \u00b7 " + kind(c) + token(rows.inputId(r, t))))
                            .append("\">");
                }
            }
        }
        return m.append("</map>").toString();
    }

    private String token(long id) {
        if (tokenizer == null) {
            return "";
        }
        return " \u00b7 '" + tokenizer.decode(new long[] {id}, false).replace("\n", "\\n") + "'";
    }

    @Override
    public String toHtml() {
        StringBuilder h = new StringBuilder("<div class=\"mpo4j-batch\">");
        h.append("<b>PreferenceBatch</b> &middot; ").append(batch.pairs()).append(" pairs &middot; chosen <code>[")
                .append(batch.chosen().rows()).append(", ").append(batch.chosen().length()).append("]</code> &middot; rejected <code>[")
                .append(batch.rejected().rows()).append(", ").append(batch.rejected().length())
                .append("]</code> &middot; pixel_values <code>[").append(batch.tiles()).append(", 3, ").append(batch.tileSize())
                .append(", ").append(batch.tileSize()).append("]</code> &middot; pad id ").append(batch.chosen().padId());
        if (batch.hasPrecomputedReference()) h.append(" &middot; reference log-probs attached");
        h.append("<br>token map (chosen rows, then rejected rows; rest the mouse on a position for its token): ");
        legend(h, PROMPT, "prompt (not trained)");
        legend(h, IMAGE, "image tokens");
        legend(h, TRAINED, "trained answer");
        legend(h, PADDING, "padding");
        String mapName = "mpo4j-tokens-" + Notebook.newDisplayId();
        h.append("<br>").append(Render.imgTag(toImage()).replace("<img ", "<img usemap=\"#" + mapName + "\" "))
                .append(imageMap(mapName));
        h.append("<table><thead><tr><th>pair</th><th>source</th><th>tiles</th><th>chosen length</th><th>chosen trained</th>")
                .append("<th>rejected length</th><th>rejected trained</th><th>image tokens</th></tr></thead><tbody>");
        long context = batch.imageContextId();
        for (int p = 0; p < batch.pairs(); p++) {
            h.append("<tr><td>").append(p).append("</td><td>").append(Render.escape(String.valueOf(batch.sources().get(p))))
                    .append("</td><td>").append(batch.tilesOf(p)).append("</td><td>").append(batch.chosen().lengths()[p])
                    .append("</td><td>").append(batch.chosen().completionTokens(p)).append("</td><td>")
                    .append(batch.rejected().lengths()[p]).append("</td><td>").append(batch.rejected().completionTokens(p))
                    .append("</td><td>").append(Render.escape(spans(batch.chosen(), p, context))).append("</td></tr>");
        }
        return h.append("</tbody></table></div>").toString();
    }

    private static void legend(StringBuilder h, Color c, String label) {
        h.append("<span style=\"display:inline-block;width:10px;height:10px;background:#")
                .append(String.format("%06x", c.getRGB() & 0xffffff)).append(";margin:0 3px 0 8px\"></span>")
                .append(Render.escape(label));
    }

    /** The runs of image tokens in one row, as {@code from..to} (end exclusive), or "none". */
    static String spans(SequenceBatch rows, int r, long context) {
        StringBuilder s = new StringBuilder();
        int n = rows.lengths()[r];
        for (int t = 0; t < n; t++) {
            if (context >= 0 && rows.inputId(r, t) == context && (t == 0 || rows.inputId(r, t - 1) != context)) {
                int end = t;
                while (end < n && rows.inputId(r, end) == context) end++;
                s.append(s.length() == 0 ? "" : ", ").append(t).append("..").append(end);
            }
        }
        return s.length() == 0 ? "none" : s.toString();
    }

    @Override
    public String toString() {
        return toText();
    }
}
