package mpo4j.notebook;

import java.awt.image.BufferedImage;
import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * Teaches any jjava-jupyter kernel (the mpo4j kernel, JJava) how toolkit values look: XChart charts and
 * images as {@code image/png}, Tablesaw tables as {@code text/html}, {@link Renderable}s as whatever
 * they offer. Kernels find it through {@code META-INF/services/org.dflib.jjava.jupyter.Extension}.
 */
public final class NotebookExtension implements Extension {

    @Override
    public void install(BaseKernel kernel) {
        register(kernel.getRenderer());
    }

    /** Registers every toolkit render function on {@code renderer}. */
    public static void register(Renderer renderer) {
        renderer.createRegistration(Chart.class)
                .preferring(MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((chart, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> Render.base64(Render.png(chart)));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> chartLabel(chart));
                });
        renderer.createRegistration(Table.class)
                .preferring(MIMEType.TEXT_HTML)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((table, ctx) -> {
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, () -> Render.html(table, Render.DEFAULT_MAX_ROWS));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> Render.text(table));
                });
        renderer.createRegistration(BufferedImage.class)
                .preferring(MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((image, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> Render.base64(Render.png(image)));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> Render.text(image));
                });
        registerView(renderer, Renderable.class, value -> value);
        registerView(renderer, mpo4j.collate.PreferenceBatch.class, BatchView::of);
        renderer.createRegistration(mpo4j.plot.LossPlots.class)
                .preferring(MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((plots, ctx) -> {
                    ChartsView view = ChartsView.of(plots.charts());
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> Render.base64(Render.png(view.toImage())));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, view::label);
                });
    }

    /**
     * Renders values of {@code type} through the {@link Renderable} {@code view} makes of them: HTML and/or
     * PNG when the view offers them, always its text.
     */
    private static <T> void registerView(Renderer renderer, Class<T> type, java.util.function.Function<T, Renderable> view) {
        renderer.createRegistration(type)
                .preferring(MIMEType.TEXT_HTML, MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((value, ctx) -> {
                    Renderable r = view.apply(value);
                    ctx.renderIfRequested(MIMEType.TEXT_HTML, (mime, out) -> {
                        String html = r.toHtml();
                        if (html != null) {
                            out.putData(mime, html);
                        }
                    });
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, (mime, out) -> {
                        BufferedImage image = r.toImage();
                        if (image != null) {
                            out.putData(mime, Render.base64(Render.png(image)));
                        }
                    });
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, r::toText);
                });
    }

    // The PNG is the view; text/plain stays a short label so notebooks do not store an ASCII copy.
    static String chartLabel(Chart<?, ?> chart) {
        String title = chart.getTitle() == null || chart.getTitle().isBlank() ? "" : " '" + chart.getTitle() + "'";
        return chart.getClass().getSimpleName() + title + " " + chart.getWidth() + "x" + chart.getHeight();
    }
}
