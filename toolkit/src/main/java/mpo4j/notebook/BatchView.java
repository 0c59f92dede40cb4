package mpo4j.notebook;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.text.Labels;

/**
 * A {@link PreferenceBatch} as a notebook shows it: its shapes, a <b>token map</b> (one strip per row,
 * chosen rows above rejected rows, each position coloured by what it is: prompt text, image tokens,
 * trained answer tokens, padding) and a table of each pair's lengths, trained tokens and tiles. The
 * notebook extension uses it for every returned batch; in JShell it prints {@link PreferenceBatch#summary()}.
 */
public final class BatchView implements Renderable {
    /** Colours of the token map: prompt text, image tokens, trained (label != -100), padding. */
    public static final Color PROMPT = new Color(0x9db4c8);
    public static final Color IMAGE = new Color(0xf0a030);
    public static final Color TRAINED = new Color(0x2ca02c);
    public static final Color PADDING = new Color(0xeeeeee);
    private static final int ROW_HEIGHT = 8;
    private static final int ROW_GAP = 1;
    private static final int BLOCK_GAP = 6;
    private static final int MAX_WIDTH = 720;

    private final PreferenceBatch batch;

    private BatchView(PreferenceBatch batch) {
        this.batch = batch;
    }

    public static BatchView of(PreferenceBatch batch) {
        return new BatchView(batch);
    }

    @Override
    public String toText() {
        return batch.summary();
    }

    /** The token map: chosen rows, a gap, rejected rows; each position a few pixels wide. */
    @Override
    public BufferedImage toImage() {
        int length = Math.max(batch.chosen().length(), batch.rejected().length());
        int cell = Math.max(1, Math.min(4, MAX_WIDTH / Math.max(1, length)));
        int rows = batch.pairs();
        int height = 2 * rows * (ROW_HEIGHT + ROW_GAP) + BLOCK_GAP;
        BufferedImage image = new BufferedImage(Math.max(1, length * cell), height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), height);
            long context = batch.imageContextId();
            drawRows(g, batch.chosen(), 0, cell, length, context);
            drawRows(g, batch.rejected(), rows * (ROW_HEIGHT + ROW_GAP) + BLOCK_GAP, cell, length, context);
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void drawRows(Graphics2D g, SequenceBatch rows, int y0, int cell, int length, long context) {
        for (int r = 0; r < rows.rows(); r++) {
            int y = y0 + r * (ROW_HEIGHT + ROW_GAP);
            for (int t = 0; t < length; t++) {
                g.setColor(colour(rows, r, t, context));
                g.fillRect(t * cell, y, cell, ROW_HEIGHT);
            }
        }
    }

    /** What position {@code t} of row {@code r} is, as a colour. */
    static Color colour(SequenceBatch rows, int r, int t, long context) {
        if (t >= rows.lengths()[r]) return PADDING;
        if (rows.label(r, t) != Labels.IGNORE) return TRAINED;
        return context >= 0 && rows.inputId(r, t) == context ? IMAGE : PROMPT;
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
        h.append("<br>token map (chosen rows, then rejected rows): ");
        legend(h, PROMPT, "prompt (not trained)");
        legend(h, IMAGE, "image tokens");
        legend(h, TRAINED, "trained answer");
        legend(h, PADDING, "padding");
        h.append("<br>").append(Render.imgTag(toImage()));
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
